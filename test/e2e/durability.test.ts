import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipsIn } from '../support/batch.js';
import { DATABASE_URL, dropSchema, tempDir, waitFor } from '../support/env.js';
import { TestSender } from '../support/fit-connect-sender.js';
import { HubProcess, startHubOnFreePort } from '../support/hub-process.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { SERVICE, setServerPort, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { accepted, waitForEvents } from '../support/wait-for-events.js';

async function createWithAttachment(sender: TestSender, destinationId: string): Promise<{ submissionId: string; caseId: string; body: Record<string, string> }> {
  const attachment = randomBytes(4096);
  const attachmentId = crypto.randomUUID();
  const created = await sender.json<{ submissionId: string; caseId: string }>('POST', '/v1/submissions', {
    destinationId,
    serviceType: { identifier: SERVICE, name: 'Baugenehmigung' },
    announcedAttachments: [attachmentId],
  });
  const upload = await sender.request('PUT', `/v1/submissions/${created.submissionId}/attachments/${attachmentId}`, await sender.encrypt(destinationId, attachment), 'application/jose');
  expect(upload.status).toBe(204);
  const { sha512 } = await import('../support/fit-connect-sender.js');
  const metadata = {
    $schema: 'https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json',
    contentStructure: {
      data: { hash: { type: 'sha512', content: sha512(Buffer.from('{}')) }, submissionSchema: { schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' } },
      attachments: [{ attachmentId, hash: { type: 'sha512', content: sha512(attachment) }, purpose: 'attachment', mimeType: 'application/pdf', filename: 'a.pdf' }],
    },
  };
  const body = {
    encryptedMetadata: await sender.encrypt(destinationId, Buffer.from(JSON.stringify(metadata))),
    encryptedData: await sender.encrypt(destinationId, Buffer.from('{}')),
  };
  return { ...created, body };
}

// "Acknowledge only what is durable": while PostgreSQL or the blob store is unavailable the
// gateway answers 503 (RFC 7807), never 2xx; once storage is back the same request succeeds.
describe('durability: 503 instead of 2xx while storage is down', () => {
  let cfg: TestHubConfig;
  let hub: InProcessHub;
  const proxy = new TcpProxy('127.0.0.1', Number(new URL(DATABASE_URL()).port || 5432));

  beforeAll(async () => {
    await proxy.start();
    const dir = await tempDir('durable');
    const url = new URL(DATABASE_URL());
    url.port = String(proxy.port);
    url.hostname = '127.0.0.1';
    cfg = await writeTestConfig(dir, { overrides: (raw) => void ((raw.database as Record<string, string>).url = url.toString()) });
    hub = await startInProcessHub(cfg);
  });

  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await hub.stop();
    await proxy.cut();
  });

  it('answers 503 at submit while PostgreSQL is unreachable, and 202 once it is back', async () => {
    const pending = await createWithAttachment(hub.sender, cfg.destinationId);
    await proxy.cut();
    const refused = await hub.sender.request('PUT', `/v1/submissions/${pending.submissionId}`, pending.body);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await refused.json()) as { status: number }).status).toBe(503);
    const create = await hub.sender.request('POST', '/v1/submissions', { destinationId: cfg.destinationId, serviceType: { identifier: SERVICE, name: 'x' }, announcedAttachments: [] });
    expect(create.status).toBe(503);

    await proxy.restore();
    const resubmitted = await waitFor('submit accepted after the outage', async () => {
      const response = await hub.sender.request('PUT', `/v1/submissions/${pending.submissionId}`, pending.body);
      return response.status === 202 ? response : undefined;
    }, 30_000, 500);
    expect(resubmitted.status).toBe(202);
    await waitForEvents(hub.sender, pending.caseId, accepted);
  });

  it('answers 503 when the blob store cannot write, and stores nothing half', async () => {
    const tmp = join(cfg.raw.dataDir as string, 'blobs', 'tmp');
    await rm(tmp, { recursive: true, force: true });
    await writeFile(tmp, 'not a directory');
    try {
      const created = await hub.sender.json<{ submissionId: string }>('POST', '/v1/submissions', {
        destinationId: cfg.destinationId,
        serviceType: { identifier: SERVICE, name: 'x' },
        announcedAttachments: [crypto.randomUUID()],
      });
      const announced = ((await hub.deps.journal.getSubmission(created.submissionId))?.channelMeta as { announcedAttachments: string[] }).announcedAttachments;
      const upload = await hub.sender.request('PUT', `/v1/submissions/${created.submissionId}/attachments/${announced[0]}`, await hub.sender.encrypt(cfg.destinationId, randomBytes(1000)), 'application/jose');
      expect(upload.status).toBe(503);
      expect(await hub.deps.journal.listAttachments(created.submissionId)).toEqual([]);
    } finally {
      await rm(tmp, { force: true });
    }
  });
});

// Attachments are streamed: the hub process's peak memory (VmHWM) must not grow with their size.
describe('streaming: a 120 MB attachment through a hub process with bounded memory', () => {
  let cfg: TestHubConfig;
  let hub: HubProcess;

  beforeAll(async () => {
    cfg = await writeTestConfig(await tempDir('stream'));
    ({ hub } = await startHubOnFreePort(async (port) => new HubProcess(['--config', (await setServerPort(cfg, port)).file])));
  });

  afterAll(async () => {
    await hub.stop();
    await dropSchema(cfg.schema);
  });

  async function peakRssMb(): Promise<number> {
    const status = await readFile(`/proc/${hub.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
  }

  it('receives, verifies, packages and delivers it with peak RSS far below its size', async () => {
    const sender = new TestSender(`http://127.0.0.1:${(cfg.raw.server as { port: number }).port}`, cfg.clientId, cfg.clientSecret);
    // a small submission first, delivered before the baseline is read: what the first submission loads once
    // (the XSD compiled by libxml2, the PDF writer's first document) is not growth with the attachment's size
    await sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}') });
    await waitFor('the warm-up submission delivered', async () => ((await zipsIn(cfg.outbox)).length === 1 ? true : undefined), 60_000, 200);
    const baseline = await peakRssMb();
    const big = randomBytes(120 * 1024 * 1024);
    const sent = await sender.send({
      destinationId: cfg.destinationId,
      serviceIdentifier: SERVICE,
      data: Buffer.from('{"plan":"gross"}'),
      attachments: [{ content: big, filename: 'Bauzeichnungen.pdf', mimeType: 'application/pdf' }],
    });
    expect(sent.statuses).toEqual({ attachment0: 204, submit: 202 });
    await waitFor('the big submission delivered', async () => ((await zipsIn(cfg.outbox)).length === 2 ? true : undefined), 240_000, 500);
    const peak = await peakRssMb();
    console.log(`streaming: hub peak RSS ${baseline.toFixed(0)} MB before, ${peak.toFixed(0)} MB after a 120 MB attachment`);
    expect(peak - baseline).toBeLessThan(80);
  }, 300_000);
});
