import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, REFUSED_PORT, tempDir, waitFor } from '../support/env.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const OPERATOR = randomBytes(16).toString('hex');
const OTHER_ADMIN = randomBytes(16).toString('hex');

interface CallbackPage {
  total: number;
  items: Array<{ submissionId: string; eventName: string; state: string; attempts: number; lastError: string | null; tenantId: string | null }>;
}

// A receiver that never comes back: once a callback is older than callbacks.maxAgeMs the hub stops
// trying and says why — in the admin API and in the submission's audit trail.
describe('a callback whose receiver stays down', () => {
  let cfg: TestHubConfig;
  let hub: InProcessHub;

  beforeAll(async () => {
    cfg = await writeTestConfig(await tempDir('callbacks-give-up'), {
      overrides: (raw) => {
        raw.callbacks = { backoffMs: 100, maxBackoffMs: 300, timeoutMs: 2000, maxAgeMs: 1500 };
        (raw.tenants as unknown[]).push({ id: 'otherburg', name: 'Gemeinde Otherburg', behoerdenkennung: 'ags:05974099' });
        raw.admin = {
          tokens: [
            { token: OPERATOR, subject: 'olga', role: 'operator' },
            { token: OTHER_ADMIN, subject: 'otto', role: 'tenant-admin', tenants: ['otherburg'] },
          ],
        };
      },
    });
    hub = await startInProcessHub(cfg);
  });

  afterAll(async () => {
    await hub?.stop();
  });

  const list = async (token: string, query: string): Promise<CallbackPage> => {
    const response = await fetch(`${hub.baseUrl}/admin/api/v1/callbacks?${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as CallbackPage;
  };

  it('gives up after maxAgeMs with the reason for operators, and records it in the audit', async () => {
    const url = `https://127.0.0.1:${REFUSED_PORT}/callback`;
    const sent = await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}'), callback: { url, secret: randomBytes(32).toString('hex') } });
    const given = await waitFor('all callbacks given up', async () => {
      const page = await list(OPERATOR, `state=GIVEN_UP&submissionId=${sent.submissionId}`);
      return page.total === 3 ? page : undefined;
    }, 60_000, 200);
    for (const item of given.items) {
      expect(item.tenantId).toBe('testhausen');
      expect(item.attempts).toBeGreaterThanOrEqual(1);
      expect(item.lastError).toContain(`after ${item.attempts} attempts`);
      expect(item.lastError).toMatch(/^not received within 2 s after \d+ attempts; last: connection to 127\.0\.0\.1:\d+ failed: ECONNREFUSED$/);
    }
    expect((await list(OPERATOR, `state=PENDING&submissionId=${sent.submissionId}`)).total).toBe(0);
    // another tenant's admin does not see them
    expect((await list(OTHER_ADMIN, `submissionId=${sent.submissionId}`)).total).toBe(0);

    const audit = await hub.deps.journal.listAudit({ submissionId: sent.submissionId, limit: 100 });
    const givenUp = audit.filter((r) => r.stage === 'callback');
    expect(givenUp.map((r) => r.details.outcome)).toEqual(['given-up', 'given-up', 'given-up']);
    expect(givenUp.every((r) => typeof r.details.reason === 'string' && (r.details.reason as string).includes('ECONNREFUSED'))).toBe(true);
  }, 90_000);
});

// A callback that fails before it is posted (here: its settings in the journal no longer parse) used to
// be retried forever without an attempt counted, never given up; now it is given up at once with the
// reason, like a secret that cannot be opened.
describe('a callback that can no longer be prepared', () => {
  let cfg: TestHubConfig;
  let hub: InProcessHub;
  let db: pg.Pool;

  beforeAll(async () => {
    cfg = await writeTestConfig(await tempDir('callbacks-unpreparable'), {
      overrides: (raw) => {
        raw.callbacks = { backoffMs: 100, maxBackoffMs: 300, timeoutMs: 2000, maxAgeMs: 600_000 };
        raw.admin = { tokens: [{ token: OPERATOR, subject: 'olga', role: 'operator' }] };
      },
    });
    hub = await startInProcessHub(cfg);
    db = new pg.Pool({ connectionString: DATABASE_URL(), max: 2 });
  });

  afterAll(async () => {
    await hub?.stop();
    await db?.end();
  });

  it('is given up with the reason instead of being retried forever', async () => {
    const url = `https://127.0.0.1:${REFUSED_PORT}/callback`;
    const sent = await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}'), callback: { url, secret: randomBytes(32).toString('hex') } });
    // the receiver is down: attempts fail and are retried with backoff; the submission finishes meanwhile (its
    // steps write channel_meta, so it is broken only after the last one: the accept-submission step) …
    await waitFor('delivered, acknowledged, every callback attempted', async () => {
      const row = await hub.deps.journal.getSubmission(sent.submissionId);
      const owed = await hub.deps.callbacks.list({ submissionId: sent.submissionId, limit: 10, offset: 0 });
      return row?.state === 'DELIVERED' && row.acknowledgedAt !== null && owed.total === 3 && owed.items.every((c) => c.attempts > 0) ? true : undefined;
    }, 60_000, 50);
    // … then the callback settings no longer parse
    await db.query(`UPDATE "${cfg.schema}".submissions SET channel_meta = jsonb_set(channel_meta, '{callback}', '"broken"') WHERE submission_id = $1`, [sent.submissionId]);
    const page = await waitFor('every callback given up', async () => {
      const listed = await hub.deps.callbacks.list({ submissionId: sent.submissionId, limit: 10, offset: 0 });
      return listed.total > 0 && listed.items.every((c) => c.state === 'GIVEN_UP') ? listed : undefined;
    }, 30_000, 100);
    for (const item of page.items) expect(item.lastError).toBe("the submission's callback settings cannot be read");
  }, 90_000);
});
