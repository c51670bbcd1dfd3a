import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/env.js';
import { verifyEventLog } from '../support/event-log-verifier.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { answered, waitForEvents } from '../support/wait-for-events.js';

// A FIT-Connect sender (or its SDK) checks every SET of its event log by who issued it: the delivery service's with
// its JWKS, the subscriber's (accept-, reject-submission) with the destination's key named by `kid`, `iss` being the
// destinationId. The hub plays both roles for its own destinations; its answers were signed as the delivery service
// (iss its URL, a kid that GET /v1/destinations/{id}/keys/{kid} did not know: 404), so no sender could verify them.
describe('event log: each SET verifies as its issuer’s', () => {
  let cfg: TestHubConfig;
  let hub: InProcessHub;

  beforeAll(async () => {
    cfg = await writeTestConfig(await tempDir('event-log-issuers'));
    hub = await startInProcessHub(cfg);
  });

  afterAll(async () => {
    await hub?.stop();
  });

  it('accept-submission: iss the destination, its key at /v1/destinations/{id}/keys/{kid}; the delivery service’s events by its JWKS', async () => {
    const sent = await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"antrag":1}') });
    const log = await waitForEvents(hub.sender, sent.caseId, answered);
    const events = await verifyEventLog(hub.baseUrl, cfg.destinationId, log);
    expect(events.map((e) => e.event)).toEqual(['create-submission', 'submit-submission', 'accept-submission']);
    // the delivery service's own events do not claim to be the destination's
    expect(events.slice(0, 2).map((e) => e.iss)).not.toContain(cfg.destinationId);
    expect(events[2]?.payload).toEqual({ authenticationTags: sent.tags });
  }, 60_000);

  it('reject-submission: verifies the same way', async () => {
    const sent = await hub.sender.send({
      destinationId: cfg.destinationId,
      serviceIdentifier: SERVICE,
      data: Buffer.from('{"antrag":2}'),
      tamper: { metadata: (m) => ({ ...m, contentStructure: { ...(m.contentStructure as object), data: { hash: { type: 'sha512', content: '0'.repeat(128) }, submissionSchema: { schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' } } } }) },
    });
    const log = await waitForEvents(hub.sender, sent.caseId, answered);
    const events = await verifyEventLog(hub.baseUrl, cfg.destinationId, log);
    expect(events.map((e) => e.event)).toEqual(['create-submission', 'submit-submission', 'reject-submission']);
    expect(events[2]?.payload).toMatchObject({ problems: [{ type: 'https://schema.fitko.de/fit-connect/events/problems/hash-mismatch', instance: 'data' }] });
  }, 60_000);
});
