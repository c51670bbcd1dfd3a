import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DMS_CONFIRMATION_STAGE, DmsConfirmationStore } from './dms-confirmation-store.js';
import { Journal } from './journal.js';
import { JournalQueries } from './queries.js';
import { testDatabase } from './test-schema.js';

const db = testDatabase();
const store = db.store(DmsConfirmationStore);
const journal = db.store(Journal);
const queries = db.store(JournalQueries);
beforeAll(() => db.migrate());
afterAll(() => db.drop());

// A routed submission whose first package carries `prozessId` and a second one `second`.
async function routed(prozessId: string, second: string): Promise<string> {
  const submissionId = randomUUID();
  await journal.createSubmission({
    submissionId,
    tenantId: 'stadt-a',
    channel: 'xta',
    channelRef: `urn:m:${randomUUID()}`,
    channelMeta: {},
    serviceIdentifier: 'urn:s',
    state: 'RECEIVED',
    actor: 'test',
  });
  const output = (id: string) => ({ blobKey: 'k', packageName: `${id}.zip`, mimeType: 'application/zip', size: 1, sha256: 'ab'.repeat(32), prozessId: id, mappingModule: 'm', mappingVersion: '1', ciphertextSha256: 'cd'.repeat(32) });
  await journal.transition(submissionId, { from: ['RECEIVED'], to: 'OPENED', actor: 't', stage: 'open' });
  await journal.transition(submissionId, { from: ['OPENED'], to: 'MAPPED', actor: 't', stage: 'map', patch: { prozessId, outputs: { 'xdomea-3.1.0:0401': output(prozessId), 'xbau-2.6:x': output(second) } } });
  await journal.transition(submissionId, { from: ['MAPPED'], to: 'ROUTED', actor: 't', stage: 'route', deliveries: [{ routeId: 'r1', adapterInstance: 'dms-a', target: 'xdomea-3.1.0:0401' }] });
  return submissionId;
}

describe('DmsConfirmationStore', () => {
  it('finds the submission of a ProzessID (first or second package) with its adapters', async () => {
    const p1 = randomUUID();
    const p2 = randomUUID();
    const id = await routed(p1, p2);
    expect(await store.findByProzessId(p1)).toEqual({ submissionId: id, tenantId: 'stadt-a', processingTenantId: null, adapterInstances: ['dms-a'] });
    expect((await store.findByProzessId(p2))?.submissionId).toBe(id);
    expect(await store.findByProzessId(randomUUID())).toBeUndefined();
  });

  it('records a 0402 per object with one audit record, once per message, and shows it in the timeline', async () => {
    const p = randomUUID();
    const id = await routed(p, randomUUID());
    const input = {
      submissionId: id,
      prozessId: p,
      messageType: '0402' as const,
      objects: [
        { objectId: 'v-1', imported: true, reasons: [] },
        { objectId: 'd-2', imported: false, reasons: ['Format nicht zulässig'] },
      ],
      source: 'adapter:dms-a',
      messageSha256: 'e'.repeat(64),
      messageCreatedAt: new Date('2025-03-02T08:00:00Z'),
    };
    expect(await store.record(input)).toEqual({ recorded: 2 });
    expect(await store.record(input)).toEqual({ recorded: 0 });
    const rows = await store.list(id);
    expect(rows.map((r) => [r.objectId, r.imported, r.reasons])).toEqual([
      ['v-1', true, []],
      ['d-2', false, ['Format nicht zulässig']],
    ]);
    const audit = (await journal.listAudit({ submissionId: id, limit: 50 })).filter((a) => a.stage === DMS_CONFIRMATION_STAGE);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'adapter:dms-a', inputHash: 'e'.repeat(64), details: { messageType: '0402', imported: ['v-1'], failed: [{ objectId: 'd-2', reasons: ['Format nicht zulässig'] }] } });
    expect(await store.record({ ...input, messageType: '0403', objects: [], messageSha256: 'f'.repeat(64) })).toEqual({ recorded: 1 });

    const timeline = await queries.timeline(id);
    const confirmations = timeline?.entries.filter((e) => e.kind === 'confirmation');
    expect(confirmations?.map((e) => [e.messageType, e.objectId, e.imported, e.reasons])).toEqual([
      ['0402', 'v-1', true, []],
      ['0402', 'd-2', false, ['Format nicht zulässig']],
      ['0403', '', null, []],
    ]);
    expect((await db.verify()).ok).toBe(true);
  });
});
