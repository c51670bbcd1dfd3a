import { randomBytes, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, tempDir } from '../support/env.js';
import { eventNames } from '../support/fit-connect-sender.js';
import { subscriberKeys, type SubscriberKeys } from '../support/fit-connect-subscriber.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { HubProcess } from '../support/hub-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { accepted, waitForEvents } from '../support/wait-for-events.js';

const SERVICES = [{ identifier: SERVICE, name: 'Baugenehmigung beantragen', submissionSchemas: [{ schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' }] }];

// "The hub polls FIT-Connect (or another hub)": hub 1 is the delivery service of a relay destination, hub 2 (a separate
// process) is its subscriber through its ordinary FIT-Connect upstream — it picks up, decrypts with the destination's key
// (which hub 1 never has), delivers to its own DMS folder and answers hub 1 with its signed accept-submission.
describe('relay destinations: another Weiche hub as the subscriber', () => {
  let keys: SubscriberKeys;
  let cfg1: TestHubConfig;
  let cfg2: TestHubConfig;
  let hub1: InProcessHub;
  let hub2: HubProcess;
  const relayId = randomUUID();

  beforeAll(async () => {
    const dir = await tempDir('relay-hubs');
    keys = await subscriberKeys(dir, 'hub2');
    const subscriberSecret = randomBytes(16).toString('hex');
    cfg1 = await writeTestConfig(join(dir, 'hub1'), {
      overrides(raw) {
        (raw.destinations as unknown[]).push({ id: relayId, tenant: 'testhausen', relay: { encryptionKeyFile: keys.encryptionKeyFile, signatureKeysFile: keys.signatureKeysFile }, services: SERVICES });
        (raw.senderClients as Array<{ destinations: string[] }>)[0]?.destinations.push(relayId);
        raw.subscriberClients = [{ clientId: 'hub2', clientSecret: subscriberSecret, name: 'Weiche der Gemeinde', destinations: [relayId] }];
      },
    });
    hub1 = await startInProcessHub(cfg1);
    // hub 2's own HTTP port is not used here: port 0, the kernel picks it
    cfg2 = await writeTestConfig(join(dir, 'hub2'), {
      overrides(raw) {
        raw.upstreams = {
          fitConnect: [
            {
              id: 'hub1',
              tenant: 'testhausen',
              submissionApiUrl: hub1.baseUrl,
              tokenUrl: `${hub1.baseUrl}/token`,
              clientId: 'hub2',
              clientSecret: subscriberSecret,
              destinationId: relayId,
              decryptionKeyFile: keys.decryptionKeyFile,
              signingKeyFile: keys.signingKeyFile,
              signingKeyId: keys.signingKid,
              pollIntervalMs: 300,
            },
          ],
        };
      },
    });
    hub2 = new HubProcess(['--config', cfg2.file]).start();
    await hub2.waitForLog('weiche hub started');
  }, 180_000);

  afterAll(async () => {
    await hub2?.stop();
    await dropSchema(cfg2?.schema ?? '');
    await hub1?.stop();
  });

  it('the sender sends to hub 1, hub 2 delivers it and its accept reaches the sender', async () => {
    const sent = await hub1.sender.send({
      destinationId: relayId,
      serviceIdentifier: SERVICE,
      data: Buffer.from(JSON.stringify({ vorhaben: 'Gartenhaus' })),
      attachments: [{ content: randomBytes(4000), filename: 'lageplan.pdf', mimeType: 'application/pdf' }],
    });
    expect(sent.statuses.submit).toBe(202);
    // accept-submission from hub 2 in the case log at hub 1
    const log = await waitForEvents(hub1.sender, sent.caseId, accepted);
    expect(eventNames(log)).toEqual(['create-submission', 'submit-submission', 'accept-submission']);
    await jwtVerify(log[2] ?? '', createLocalJWKSet(keys.signatureJwks), { algorithms: ['PS512'], typ: 'secevent+jwt' });
    expect((await hub1.deps.journal.getSubmission(sent.submissionId))?.state).toBe('DELIVERED');
    // hub 1 delivered nothing itself; hub 2's DMS folder has the package
    const packages = async (outbox: string) => (await readdir(outbox).catch(() => [])).filter((f) => !f.startsWith('.'));
    expect(await packages(cfg1.outbox)).toEqual([]);
    expect((await packages(cfg2.outbox)).length).toBeGreaterThan(0);
  }, 90_000);
});
