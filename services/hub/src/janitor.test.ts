import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { senderBearer, smallHubConfig, startTestHub, TEST_SERVICE as SERVICE, testDestination, type TestHub } from './test-hub.js';
import { sweepAbandoned, sweepAdapterLeftovers } from './janitor.js';

const CLIENT = { id: 'portal', secret: randomBytes(16).toString('hex') };
const DEST = randomUUID();
const GRACE_MS = 60_000;

let hub: TestHub;
let outbox: string;

beforeAll(async () => {
  hub = await startTestHub((dir) => {
    outbox = join(dir, 'out');
    return {
      ...smallHubConfig(dir, {
        destinations: [testDestination(dir, DEST)],
        senderClients: [{ clientId: CLIENT.id, clientSecret: CLIENT.secret, name: 'Portal', destinations: [DEST] }],
      }),
      processing: { leftoverGraceMs: GRACE_MS },
    };
  });
});

afterAll(async () => {
  await hub?.close();
});

const bearer = (): Promise<string> => senderBearer(hub.app, CLIENT);

async function create(authorization: string, attachmentId: string): Promise<{ submissionId: string; caseId: string }> {
  const response = await hub.app.inject({
    method: 'POST',
    url: '/v1/submissions',
    headers: { authorization, 'content-type': 'application/json' },
    payload: { destinationId: DEST, serviceType: { identifier: SERVICE, name: 'Bau' }, announcedAttachments: [attachmentId] },
  });
  return response.json();
}

async function upload(authorization: string, submissionId: string, attachmentId: string, jwe: string): Promise<number> {
  const response = await hub.app.inject({ method: 'PUT', url: `/v1/submissions/${submissionId}/attachments/${attachmentId}`, headers: { authorization, 'content-type': 'application/jose' }, payload: jwe });
  return response.statusCode;
}

/** Moves a submission's last change back in time, as if its sender had gone away that long ago. */
async function age(submissionId: string, ms: number): Promise<void> {
  await hub.deps.pool.query(`UPDATE "${hub.deps.config.database.schema}".submissions SET updated_at = now() - make_interval(secs => $2::double precision / 1000) WHERE submission_id = $1`, [submissionId, ms]);
}

describe('crash leftovers are cleaned up after the grace period, audited', () => {
  it('a submission created but never submitted: REJECTED, uploads deleted, the sender told, audited', async () => {
    const authorization = await bearer();
    const attachmentId = randomUUID();
    const abandoned = await create(authorization, attachmentId);
    const fresh = await create(authorization, attachmentId);
    expect(await upload(authorization, abandoned.submissionId, attachmentId, 'a.b.c.d.e')).toBe(204);
    const [stored] = await hub.deps.journal.listAttachments(abandoned.submissionId);
    expect(await hub.deps.blobs.exists(stored?.blobKey ?? '')).toBe(true);
    await age(abandoned.submissionId, GRACE_MS + 1000);
    // uploaded before the orphan grace too (one written since is kept: delete-received.test.ts)
    const past = new Date(Date.now() - hub.deps.config.orphanBlobs.graceMs - 1000);
    await utimes(join(hub.deps.blobs.root, stored!.blobKey.slice(0, 2), stored!.blobKey), past, past);

    expect(await sweepAbandoned({ ...hub.deps, processing: hub.deps.config.processing })).toBe(1);
    const row = await hub.deps.journal.getSubmission(abandoned.submissionId);
    expect(row?.state).toBe('REJECTED');
    expect(row?.acknowledgedAt).not.toBeNull();
    expect((await hub.deps.journal.getSubmission(fresh.submissionId))?.state).toBe('CREATED');
    expect(await hub.deps.blobs.exists(stored?.blobKey ?? '')).toBe(false);
    const audit = await hub.deps.journal.listAudit({ submissionId: abandoned.submissionId, limit: 50 });
    expect(audit.some((r) => r.actor === 'hub:janitor' && r.toState === 'REJECTED')).toBe(true);
    // recorded as retention records a deletion: retention passes it by, the evidence bundle names when
    expect(audit.find((r) => r.stage === 'retention')).toMatchObject({ actor: 'hub:janitor', details: { deleted: 'received', abandoned: true, parts: [{ part: `attachment:${attachmentId}`, sha256: stored?.blobKey }] } });
    const events = await hub.app.inject({ method: 'GET', url: `/v1/cases/${abandoned.caseId}/events`, headers: { authorization } });
    expect(events.json().eventLog).toHaveLength(2); // create-submission, reject-submission
    // a second pass finds nothing more
    expect(await sweepAbandoned({ ...hub.deps, processing: hub.deps.config.processing })).toBe(0);
  });

  it('an upload another submission names too (the same bytes, one file) is kept', async () => {
    const authorization = await bearer();
    const attachmentId = randomUUID();
    const abandoned = await create(authorization, attachmentId);
    const other = await create(authorization, attachmentId);
    for (const submission of [abandoned, other]) expect(await upload(authorization, submission.submissionId, attachmentId, 'k.l.m.n.o')).toBe(204);
    const [stored] = await hub.deps.journal.listAttachments(abandoned.submissionId);
    await age(abandoned.submissionId, GRACE_MS + 1000);

    expect(await sweepAbandoned({ ...hub.deps, processing: hub.deps.config.processing })).toBe(1);
    expect((await hub.deps.journal.getSubmission(abandoned.submissionId))?.state).toBe('REJECTED');
    expect(await hub.deps.blobs.exists(stored?.blobKey ?? '')).toBe(true);
  });

  it('a .part file of a crashed delivery in the DMS folder: removed after the grace period, audited; a younger one kept', async () => {
    const tmp = join(outbox, '.weiche-tmp');
    await mkdir(tmp, { recursive: true });
    const submissionId = randomUUID();
    const old = `${submissionId}.${randomUUID()}.part`;
    const young = `${randomUUID()}.${randomUUID()}.part`;
    await writeFile(join(tmp, old), 'half a zip');
    await writeFile(join(tmp, young), 'being written');
    const past = new Date(Date.now() - GRACE_MS - 5000);
    await utimes(join(tmp, old), past, past);

    expect(await sweepAdapterLeftovers({ ...hub.deps, processing: hub.deps.config.processing })).toBe(1);
    expect(await readdir(tmp)).toEqual([young]);
    const audit = await hub.deps.journal.listAudit({ submissionId, limit: 10 });
    expect(audit.map((r) => ({ actor: r.actor, details: r.details }))).toEqual([{ actor: 'hub:janitor', details: { removedLeftover: old, adapter: 'dms', graceMs: GRACE_MS } }]);
  });
});
