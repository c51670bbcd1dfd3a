import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointNow, evidenceKeyDir } from '@weiche/hub';
import type { AuditVerdict } from '@weiche/journal';
import { DATABASE_URL, REPO_ROOT, tempDir, waitFor } from '../support/env.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const AUDITOR_TOKEN = randomBytes(16).toString('hex');
const SCOPED_AUDITOR_TOKEN = randomBytes(16).toString('hex');
const TENANT_ADMIN_TOKEN = randomBytes(16).toString('hex');

async function weiche(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'services/cli/dist/main.js'), ...args], { cwd: REPO_ROOT });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

// A real hub processes real FIT-Connect submissions; the auditor verifies with the CLI and the admin API,
// then the database owner tampers and both say where.
describe('audit verification of a running hub', () => {
  let cfg: TestHubConfig;
  let hub: InProcessHub;
  let owner: pg.Pool;
  const sent: string[] = [];

  beforeAll(async () => {
    cfg = await writeTestConfig(await tempDir('audit-verify'), {
      overrides: (raw) => {
        raw.admin = {
          tokens: [
            { token: AUDITOR_TOKEN, subject: 'udo', role: 'auditor' },
            { token: SCOPED_AUDITOR_TOKEN, subject: 'ute', role: 'auditor', tenants: ['testhausen'] },
            { token: TENANT_ADMIN_TOKEN, subject: 'tom', role: 'tenant-admin', tenants: ['testhausen'] },
          ],
        };
        // the test writes its checkpoint itself
        raw.audit = { checkpointIntervalMs: 3_600_000 };
      },
    });
    hub = await startInProcessHub(cfg);
    owner = new pg.Pool({ connectionString: DATABASE_URL(), max: 1 });
    for (let i = 0; i < 3; i++) {
      const { submissionId } = await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from(`{"n":${i}}`) });
      sent.push(submissionId);
    }
    // acknowledged too: the accept-submission step appends the chain's last record after DELIVERED commits,
    // and a checkpoint taken before it leaves that record unanchored
    await waitFor('all delivered and acknowledged', async () => {
      const rows = await Promise.all(sent.map((id) => hub.deps.journal.getSubmission(id)));
      return rows.every((r) => r?.state === 'DELIVERED' && r.acknowledgedAt !== null);
    });
  });

  afterAll(async () => {
    await owner.end();
    await hub.stop();
  });

  it('creates the evidence key on first start and verifies the untouched chains from the CLI', async () => {
    const keyDir = evidenceKeyDir(join(cfg.dir, 'data'));
    const kid = (await readFile(join(keyDir, 'current'), 'utf8')).trim();
    expect(kid).toBe(hub.deps.evidence.currentKid);
    expect((await readdir(keyDir)).sort()).toEqual([`${kid}.key.pem`, `${kid}.pub.pem`, 'current'].sort());

    expect(await checkpointNow(hub.deps)).toBe(1);
    const result = await weiche('audit', 'verify', '--config', cfg.file);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^audit intact: (\d+) of \1 records in 3 chains checked/);
    expect(result.out).toContain('1 checkpoint(s) verified, newest checkpoint 1');

    const json = await weiche('audit', 'verify', '--config', cfg.file, '--json', '--tenant', 'testhausen', '--since', new Date(Date.now() - 3600_000).toISOString());
    const verdict = JSON.parse(json.out) as AuditVerdict;
    expect(verdict).toMatchObject({ ok: true, chains: 3, unanchored: 0, checkpoints: { verified: 1, latest: { no: 1, kid } } });

    // a mistyped tenant is an error, not "audit intact: 0 of 0 records"
    const typo = await weiche('audit', 'verify', '--config', cfg.file, '--tenant', 'testhasuen');
    expect(typo.code).toBe(1);
    expect(typo.out).not.toContain('audit intact');
    expect(typo.err).toContain('--tenant: no tenant testhasuen in the configuration');
  });

  it('gives auditors the same verdict over the admin API', async () => {
    const res = await fetch(`${hub.baseUrl}/admin/api/v1/audit/verify?tenant=testhausen`, { headers: { authorization: `Bearer ${AUDITOR_TOKEN}` } });
    expect(res.status).toBe(200);
    const verdict = (await res.json()) as AuditVerdict;
    expect(verdict).toMatchObject({ ok: true, chains: 3, problems: 0, checkpoints: { verified: 1 } });
    expect(verdict.message).toMatch(/^audit intact/);
    const other = await fetch(`${hub.baseUrl}/admin/api/v1/audit/verify?tenant=nowhere`, { headers: { authorization: `Bearer ${AUDITOR_TOKEN}` } });
    expect(other.status).toBe(404);
    const bad = await fetch(`${hub.baseUrl}/admin/api/v1/audit/verify?since=yesterday`, { headers: { authorization: `Bearer ${AUDITOR_TOKEN}` } });
    expect(bad.status).toBe(400);
    // an auditor scoped to a tenant verifies that tenant's chains; a tenant-admin does not verify
    const scoped = await fetch(`${hub.baseUrl}/admin/api/v1/audit/verify`, { headers: { authorization: `Bearer ${SCOPED_AUDITOR_TOKEN}` } });
    expect(await scoped.json()).toMatchObject({ ok: true, chains: 3 });
    const admin = await fetch(`${hub.baseUrl}/admin/api/v1/audit/verify`, { headers: { authorization: `Bearer ${TENANT_ADMIN_TOKEN}` } });
    expect(admin.status).toBe(403);
  });

  it('names the record a database owner changed, and the newest records one deleted after the checkpoint', async () => {
    const records = await hub.deps.journal.listAudit({ submissionId: sent[1]!, limit: 100 });
    const victim = records[2]!;
    const client = await owner.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      await client.query(`UPDATE "${cfg.schema}".audit SET details = details || '{"attachments": 9}' WHERE seq = $1`, [victim.seq]);
      await client.query(`DELETE FROM "${cfg.schema}".audit WHERE submission_id = $1 AND chain_seq > 4`, [sent[2]]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const result = await weiche('audit', 'verify', '--config', cfg.file);
    expect(result.code).toBe(3);
    expect(result.out).toContain(`first bad record: submission:${sent[1]} #3: content changed`);
    expect(result.out).toContain(`first: submission:${sent[2]} #5`);

    const res = await fetch(`${hub.baseUrl}/admin/api/v1/audit/verify`, { headers: { authorization: `Bearer ${AUDITOR_TOKEN}` } });
    const verdict = (await res.json()) as AuditVerdict;
    expect(verdict).toMatchObject({ ok: false, firstBad: { chain: `submission:${sent[1]}`, seq: 3 } });
    expect(verdict.gaps?.[0]).toMatchObject({ chain: `submission:${sent[2]}`, fromSeq: 5, reason: 'newest records deleted (sealed by checkpoint 1)' });
    expect(verdict.total - verdict.checked).toBe(verdict.gaps![0]!.toSeq - 4);
  });
});
