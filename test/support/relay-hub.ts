import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { SubmissionRow } from '@weiche/journal';
import { tempDir } from './env.js';
import { subscriberKeys, TestSubscriber, type SubscriberKeys } from './fit-connect-subscriber.js';
import { startInProcessHub, type InProcessHub } from './hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from './test-config.js';

const SERVICES = [{ identifier: SERVICE, name: 'Baugenehmigung beantragen', submissionSchemas: [{ schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' }] }];

/** A hub in process with two relay destinations, A and B, each with its own subscriber (docs/relay-destinations.md). */
export interface RelayHub {
  readonly cfg: TestHubConfig;
  readonly hub: InProcessHub;
  readonly relayA: string;
  readonly relayB: string;
  readonly keysA: SubscriberKeys;
  readonly keysB: SubscriberKeys;
  readonly subscriberA: TestSubscriber;
  readonly subscriberB: TestSubscriber;
  /** Sends a submission with data and one attachment to relay A through the hub's sender routes. */
  send(options?: { callback?: { url: string; secret: string } }): Promise<Awaited<ReturnType<InProcessHub['sender']['send']>> & { data: Buffer; attachment: Buffer }>;
  /** The submission's journal row. */
  row(submissionId: string): Promise<SubmissionRow>;
}

export async function startRelayHub(name: string): Promise<RelayHub> {
  const dir = await tempDir(name);
  const relayA = randomUUID();
  const relayB = randomUUID();
  const [keysA, keysB] = await Promise.all([subscriberKeys(dir, 'subscriber-a'), subscriberKeys(dir, 'subscriber-b')]);
  const secretA = randomBytes(16).toString('hex');
  const secretB = randomBytes(16).toString('hex');
  const cfg = await writeTestConfig(dir, {
    overrides(raw) {
      const relay = (id: string, keys: SubscriberKeys) => ({ id, tenant: 'testhausen', relay: { encryptionKeyFile: keys.encryptionKeyFile, signatureKeysFile: keys.signatureKeysFile }, services: SERVICES });
      (raw.destinations as unknown[]).push(relay(relayA, keysA), relay(relayB, keysB));
      (raw.senderClients as Array<{ destinations: string[] }>)[0]?.destinations.push(relayA, relayB);
      raw.subscriberClients = [
        { clientId: 'subscriber-a', clientSecret: secretA, name: 'Fachverfahren A', destinations: [relayA] },
        { clientId: 'subscriber-b', clientSecret: secretB, name: 'Fachverfahren B', destinations: [relayB] },
      ];
    },
  });
  const hub = await startInProcessHub(cfg);
  return {
    cfg,
    hub,
    relayA,
    relayB,
    keysA,
    keysB,
    subscriberA: new TestSubscriber(hub.baseUrl, 'subscriber-a', secretA, keysA),
    subscriberB: new TestSubscriber(hub.baseUrl, 'subscriber-b', secretB, keysB),
    async send(options = {}) {
      const data = Buffer.from(JSON.stringify({ vorhaben: 'Carport', flurstueck: '12/3' }));
      const attachment = randomBytes(5000);
      const sent = await hub.sender.send({ destinationId: relayA, serviceIdentifier: SERVICE, data, attachments: [{ content: attachment, filename: 'plan.pdf', mimeType: 'application/pdf' }], ...options });
      expect(sent.statuses).toMatchObject({ attachment0: 204, submit: 202 });
      return { ...sent, data, attachment };
    },
    async row(submissionId) {
      const found = await hub.deps.journal.getSubmission(submissionId);
      if (!found) throw new Error(`no submission ${submissionId}`);
      return found;
    },
  };
}
