import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/env.js';
import { eventNames } from '../support/fit-connect-sender.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { answered, waitForEvents } from '../support/wait-for-events.js';

// limits.* are plaintext sizes: the gateway accepts the JWE of an attachment exactly at the limit
// (a third larger on the wire) and counts every attachment against the submission's total.
const LIMITS = { attachmentBytes: 100_000, submissionBytes: 150_000, metadataBytes: 16_000, dataBytes: 16_000 };

describe('size limits in plaintext terms', () => {
  let cfg: TestHubConfig;
  let hub: InProcessHub;

  beforeAll(async () => {
    cfg = await writeTestConfig(await tempDir('size-limits'), {
      overrides(raw) {
        raw.limits = LIMITS;
      },
    });
    hub = await startInProcessHub(cfg);
  });
  afterAll(() => hub?.stop());

  const attachment = (bytes: number) => ({ content: randomBytes(bytes), filename: 'plan.pdf', mimeType: 'application/pdf' });

  it('accepts an attachment of exactly limits.attachmentBytes and delivers it', async () => {
    const sent = await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"a":1}'), attachments: [attachment(LIMITS.attachmentBytes)] });
    expect(sent.statuses).toEqual({ attachment0: 204, submit: 202 });
    const events = eventNames(await waitForEvents(hub.sender, sent.caseId, answered));
    expect(events).toContain('accept-submission');
  });

  it('refuses an attachment clearly over the limit with 413 that names the plaintext limit', async () => {
    const sent = await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, attachments: [attachment(LIMITS.attachmentBytes + 5_000)] });
    expect(sent.statuses.attachment0).toBe(413);
  });

  it('refuses the attachment that takes the submission over limits.submissionBytes', async () => {
    const [a1, a2] = [randomUUID(), randomUUID()];
    const created = await hub.sender.json<{ submissionId: string }>('POST', '/v1/submissions', {
      destinationId: cfg.destinationId,
      serviceType: { identifier: SERVICE, name: 'Test' },
      announcedAttachments: [a1, a2],
    });
    const put = async (id: string) =>
      hub.sender.request('PUT', `/v1/submissions/${created.submissionId}/attachments/${id}`, await hub.sender.encrypt(cfg.destinationId, randomBytes(80_000)), 'application/jose');
    expect((await put(a1)).status).toBe(204);
    const second = await put(a2);
    expect(second.status).toBe(413);
    const problem = (await second.json()) as { detail: string };
    expect(problem.detail).toContain(`${LIMITS.submissionBytes} bytes per submission`);
    // replacing the first upload is not counted twice
    expect((await put(a1)).status).toBe(204);
  });
});
