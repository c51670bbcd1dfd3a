import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDecrypted } from '@weiche/blobstore';
import { FitConnectMeta, checkpointNow, evidenceKeyDir, startRetention, type HubDeps } from '@weiche/hub';
import { RetentionStore, verifyAudit, type AuditRecord, type SubmissionRow } from '@weiche/journal';
import { REFUSED_PORT, REPO_ROOT, tempDir, waitFor } from '../support/env.js';
import { sha512 } from '../support/fit-connect-sender.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const SERVICE_B = 'urn:de:fim:leika:leistung:99010003001007';
const DAY = 24 * 3600 * 1000;
const AUDITOR = randomBytes(16).toString('hex');

async function run(file: string, args: string[], input?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [file, ...args], { cwd: REPO_ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout, err: stderr });
    });
    child.stdin?.end(input ?? '');
  });
}
const weiche = (args: string[], input?: string) => run(join(REPO_ROOT, 'services/cli/dist/main.js'), args, input);

/** The blob keys a submission's stored data lives under: its outputs, and what its channel received. */
async function blobsOf(deps: HubDeps, row: SubmissionRow): Promise<{ outputs: string[]; received: string[] }> {
  const meta = FitConnectMeta.parse(row.channelMeta);
  const attachments = await deps.journal.listAttachments(row.submissionId);
  return {
    outputs: Object.values(row.outputs ?? {}).map((o) => o.blobKey),
    received: [meta.metadataBlobKey, meta.dataBlobKey, ...attachments.map((a) => a.blobKey)].filter((k): k is string => k !== undefined),
  };
}

async function present(deps: HubDeps, keys: readonly string[]): Promise<boolean[]> {
  return Promise.all(keys.map((k) => deps.blobs.exists(k)));
}

// A running hub with a retention policy, one delivered, one rejected and one dead-lettered submission; retention
// runs on a test clock (--now), then the tenant is shredded. The audit verifies after each step.
describe('retention and crypto-shredding', () => {
  let cfg: TestHubConfig;
  let hub: InProcessHub;
  let delivered: SubmissionRow;
  let rejected: SubmissionRow;
  let failed: SubmissionRow;
  /** A submission the sender created and never submitted, whose attachment is the very JWE of `delivered`'s. */
  let pending: { submissionId: string; blobKey: string };
  const t0 = Date.now();

  const row = async (id: string): Promise<SubmissionRow> => (await hub.deps.journal.getSubmission(id))!;
  const verify = async () => {
    await checkpointNow(hub.deps);
    return verifyAudit({ pool: hub.deps.pool, schema: cfg.schema, keys: hub.deps.evidence, log: hub.deps.auditLog });
  };
  const retentionRecords = async (id: string): Promise<AuditRecord[]> =>
    (await hub.deps.journal.listAudit({ submissionId: id, limit: 100 })).filter((r) => r.stage === 'retention');

  beforeAll(async () => {
    cfg = await writeTestConfig(await tempDir('lifecycle'), {
      overrides: (raw) => {
        const [tenant] = raw.tenants as Array<Record<string, unknown>>;
        tenant!.retention = { outputsDays: 30, ciphertextDays: 90 };
        const [destination] = raw.destinations as Array<{ services: unknown[] }>;
        destination!.services.push({ identifier: SERVICE_B, name: 'Gewerbe anmelden', submissionSchemas: [{ schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' }] });
        // a Fachverfahren that is never there: one attempt, then the dead letter
        (raw.adapters as unknown[]).push({ id: 'gone', kind: 'http', config: { url: `http://127.0.0.1:${REFUSED_PORT}/in`, secret: 'x'.repeat(32) }, retry: { attempts: 1, backoffMs: 100, maxBackoffMs: 100 } });
        (raw.routes as unknown[]).push({ id: 'b-gone', tenant: 'testhausen', service: SERVICE_B, target: 'xdomea-3.1.0:0401', adapter: 'gone' });
        raw.admin = { tokens: [{ token: AUDITOR, subject: 'udo', role: 'auditor' }] };
        raw.audit = { checkpointIntervalMs: 3_600_000 };
      },
    });
    hub = await startInProcessHub(cfg);
    const attachment = { content: Buffer.from('%PDF-1.4 Grundriss'), filename: 'grundriss.pdf', mimeType: 'application/pdf' };
    const data = Buffer.from('{"vorhaben":"Gartenhaus"}');
    const wrongHash = (m: Record<string, unknown>): Record<string, unknown> => {
      (m.contentStructure as { data: { hash: { content: string } } }).data.hash.content = sha512(Buffer.from('etwas anderes'));
      return m;
    };
    let attachmentJwe = '';
    const [a, r, f] = await Promise.all([
      hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data, attachments: [attachment], tamper: { attachmentJwe: (jwe) => (attachmentJwe = jwe) } }),
      hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data, tamper: { metadata: wrongHash } }),
      hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE_B, serviceName: 'Gewerbe anmelden', data, attachments: [attachment] }),
    ]);
    // the same bytes uploaded again to a submission that stays open: one blob, named by two submissions
    const attachmentId = randomUUID();
    const open = await hub.sender.json<{ submissionId: string }>('POST', '/v1/submissions', { destinationId: cfg.destinationId, serviceType: { identifier: SERVICE, name: 'Baugenehmigung' }, announcedAttachments: [attachmentId] });
    expect((await hub.sender.request('PUT', `/v1/submissions/${open.submissionId}/attachments/${attachmentId}`, attachmentJwe, 'application/jose')).status).toBeLessThan(300);
    pending = { submissionId: open.submissionId, blobKey: (await hub.deps.journal.listAttachments(open.submissionId))[0]!.blobKey };
    [delivered, rejected, failed] = await waitFor('delivered, rejected and dead-lettered', async () => {
      const rows = await Promise.all([row(a.submissionId), row(r.submissionId), row(f.submissionId)]);
      const [d, j, x] = rows;
      return d!.state === 'DELIVERED' && j!.state === 'REJECTED' && x!.state === 'FAILED' ? rows : undefined;
    });
  });

  afterAll(async () => {
    await hub.stop();
  });

  it('deletes nothing before the retention period is over', async () => {
    const before = { d: await blobsOf(hub.deps, delivered), f: await blobsOf(hub.deps, failed) };
    expect(before.d.outputs).toHaveLength(1);
    expect(await present(hub.deps, [...before.d.outputs, ...before.d.received])).not.toContain(false);
    const result = await weiche(['retention', 'run', '--config', cfg.file, '--now', new Date(t0 + 29 * DAY).toISOString()]);
    expect(result.out).toContain('testhausen: outputs deleted for 0 submission(s), received data for 0');
    expect(result.code).toBe(0);
    expect(await present(hub.deps, [...before.d.outputs, ...before.d.received])).not.toContain(false);
  });

  it('deletes outputs after outputsDays and the ciphertext after ciphertextDays, never a dead letter\'s or an open submission\'s, and audits every deletion', async () => {
    const d = await blobsOf(hub.deps, delivered);
    const j = await blobsOf(hub.deps, rejected);
    const f = await blobsOf(hub.deps, failed);
    expect(f.outputs.length).toBeGreaterThan(0);

    const at31 = await weiche(['retention', 'run', '--config', cfg.file, '--now', new Date(t0 + 31 * DAY).toISOString()]);
    expect(at31.code).toBe(0);
    expect(at31.out).toContain('testhausen: outputs deleted for 1 submission(s), received data for 0');
    expect(await present(hub.deps, d.outputs)).toEqual([false]);
    expect(await present(hub.deps, [...d.received, ...j.received])).not.toContain(false);
    await expect(getDecrypted(hub.deps.blobs, hub.deps.keyring, 'testhausen', d.outputs[0]!)).rejects.toMatchObject({ code: 'WEICHE_ERR_NOT_FOUND' });

    const at91 = await weiche(['retention', 'run', '--config', cfg.file, '--now', new Date(t0 + 91 * DAY).toISOString()]);
    expect(at91.out).toContain('testhausen: outputs deleted for 0 submission(s), received data for 2, 1 blob(s) kept for other submissions');
    const gone = [...d.received, ...j.received].filter((k) => k !== pending.blobKey);
    expect(d.received).toContain(pending.blobKey);
    expect(await present(hub.deps, gone)).toEqual(gone.map(() => false));
    // the open submission still has its attachment: the shared blob stays until its own retention
    expect(await present(hub.deps, [pending.blobKey])).toEqual([true]);
    expect((await row(pending.submissionId)).state).toBe('CREATED');

    // the dead letter keeps everything, however old: an operator may still replay or redeliver it
    expect(await present(hub.deps, [...f.outputs, ...f.received])).not.toContain(false);
    expect((await row(failed.submissionId)).state).toBe('FAILED');

    // every deletion is in the submission's chain, naming the blobs and their hashes
    const dRecords = await retentionRecords(delivered.submissionId);
    expect(dRecords.map((r) => r.details.deleted)).toEqual(['outputs', 'received']);
    expect(dRecords[0]!.details).toMatchObject({ outputsDays: 30, packages: [{ target: 'xdomea-3.1.0:0401', storedAs: d.outputs[0], sha256: Object.values(delivered.outputs!)[0]!.sha256 }] });
    const parts = dRecords[1]!.details.parts as Array<{ sha256: string; keptFor?: string }>;
    expect(parts.map((p) => p.sha256).sort()).toEqual([...d.received].sort());
    expect(parts.filter((p) => p.keptFor).map((p) => p.sha256)).toEqual([pending.blobKey]);
    expect((await retentionRecords(rejected.submissionId)).map((r) => r.details.deleted)).toEqual(['received']);
    expect(await retentionRecords(failed.submissionId)).toEqual([]);
    expect(await new RetentionStore({ pool: hub.deps.pool, schema: cfg.schema }).deletedAt(delivered.submissionId)).toEqual({ outputs: new Date(t0 + 31 * DAY), received: new Date(t0 + 91 * DAY) });

    // a second run finds nothing more to do
    const again = await weiche(['retention', 'run', '--config', cfg.file, '--now', new Date(t0 + 400 * DAY).toISOString()]);
    expect(again.out).toContain('testhausen: outputs deleted for 0 submission(s), received data for 0');
    expect(await retentionRecords(delivered.submissionId)).toHaveLength(2);

    const verdict = await verify();
    expect(verdict).toMatchObject({ ok: true, problems: 0 });
  });

  it('still gives an evidence bundle that verifies offline after the data is gone', async () => {
    const res = await fetch(`${hub.baseUrl}/admin/api/v1/submissions/${delivered.submissionId}/evidence`, { headers: { authorization: `Bearer ${AUDITOR}` } });
    expect(res.status).toBe(200);
    const jws = await res.text();
    const bundle = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as { retention: Record<string, string>; outputs: Array<{ sha256: string }> };
    expect(bundle.retention).toEqual({ outputsDeletedAt: new Date(t0 + 31 * DAY).toISOString(), receivedDeletedAt: new Date(t0 + 91 * DAY).toISOString(), tenantKeyShreddedAt: null });
    expect(bundle.outputs[0]!.sha256).toBe(Object.values(delivered.outputs!)[0]!.sha256);
    const file = join(cfg.dir, 'after-retention.jws');
    await writeFile(file, jws);
    const pub = join(evidenceKeyDir(join(cfg.dir, 'data')), `${hub.deps.evidence.currentKid}.pub.pem`);
    const checked = await run(join(REPO_ROOT, 'scripts/verify-evidence.mjs'), [file, pub]);
    expect(checked.out).toContain('VERIFIED');
    expect(checked.code).toBe(0);
  });

  it('shreds a tenant only when confirmed; afterwards its stored packages cannot be read, and the audit still verifies', async () => {
    const f = await blobsOf(hub.deps, failed);
    const readable = await getDecrypted(hub.deps.blobs, hub.deps.keyring, 'testhausen', f.outputs[0]!);
    readable.resume();
    await new Promise((resolve, reject) => readable.on('end', resolve).on('error', reject));

    const refused = await weiche(['tenant', 'shred', 'testhausen', '--config', cfg.file], 'testhausn\n');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('not confirmed; nothing changed');
    expect(await hub.deps.keyring.findDataKey('testhausen')).toBeDefined();

    const shredded = await weiche(['tenant', 'shred', 'testhausen', '--config', cfg.file], 'testhausen\n');
    expect(shredded.code).toBe(0);
    expect(shredded.out).toContain('tenant testhausen shredded: its data key is destroyed (audited)');
    expect(await hub.deps.keyring.findDataKey('testhausen')).toBeUndefined();
    // the dead letter's package is still stored, and no one can read it any more
    expect(await present(hub.deps, f.outputs)).toEqual([true]);
    await expect(getDecrypted(hub.deps.blobs, hub.deps.keyring, 'testhausen', f.outputs[0]!)).rejects.toMatchObject({ code: 'WEICHE_ERR_NOT_FOUND', status: 410 });

    const records = await hub.deps.journal.listAudit({ limit: 1000 });
    const shredRecords = records.filter((r) => r.stage === 'shred');
    expect(shredRecords.map((r) => r.details)).toEqual([expect.objectContaining({ action: 'shred-tenant', tenantId: 'testhausen', keyExisted: true, outcome: 'shredded' })]);
    // the record names its tenant, so an auditor of that tenant sees it, and the tenant's evidence bundles say so
    expect(shredRecords[0]!.tenantId).toBe('testhausen');
    const res = await fetch(`${hub.baseUrl}/admin/api/v1/submissions/${failed.submissionId}/evidence`, { headers: { authorization: `Bearer ${AUDITOR}` } });
    const bundle = JSON.parse(Buffer.from((await res.text()).split('.')[1]!, 'base64url').toString('utf8')) as { retention: { tenantKeyShreddedAt: string | null } };
    expect(bundle.retention.tenantKeyShreddedAt).toBe(shredRecords[0]!.at.toISOString());
    expect(await verify()).toMatchObject({ ok: true, problems: 0 });
  });

  it('runs on a schedule in the hub', async () => {
    // the same hub with retention 0 days and a short interval: what finishes goes at the next run
    const config = { ...hub.deps.config, tenants: hub.deps.config.tenants.map((t) => ({ ...t, retention: { outputsDays: 0, ciphertextDays: 0 } })), retention: { intervalMs: 200 } };
    const scheduled = startRetention({ ...hub.deps, config });
    try {
      const sent = await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"vorhaben":"Zaun"}') });
      const done = await waitFor('delivered', async () => {
        const r = await row(sent.submissionId);
        return r.state === 'DELIVERED' ? r : undefined;
      });
      const { outputs, received } = await blobsOf(hub.deps, done);
      // on the real clock a blob stored within orphanBlobs.graceMs is kept (its row stays due): the uploads are older
      const past = new Date(Date.now() - config.orphanBlobs.graceMs - 60_000);
      for (const key of received) await utimes(join(hub.deps.blobs.root, key.slice(0, 2), key), past, past);
      await waitFor('deleted by the scheduled run', async () => (await retentionRecords(done.submissionId)).length === 2);
      expect(await present(hub.deps, [...outputs, ...received])).toEqual([...outputs, ...received].map(() => false));
      expect((await retentionRecords(done.submissionId)).map((r) => r.actor)).toEqual(['hub:retention', 'hub:retention']);
    } finally {
      await scheduled.stop();
    }
    expect(await verify()).toMatchObject({ ok: true, problems: 0 });
  });
});
