import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { testDatabase } from './test-schema.js';
import { XtaUpstreamStore } from './xta-upstream-store.js';

const db = testDatabase();
let store: XtaUpstreamStore;

beforeAll(async () => {
  await migrate(db.pool, db.schema);
  store = new XtaUpstreamStore({ pool: db.pool, schema: db.schema });
});
afterAll(() => db.drop());

describe('XtaUpstreamStore', () => {
  it('lets one poller hold a box at a time, releases the lock with the poll, and keeps other boxes apart', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = store.withPollLock('rz-box', async () => {
      entered();
      await held;
      return 'first';
    });
    await inside;
    expect(await store.withPollLock('rz-box', async () => 'second')).toEqual({ locked: false });
    expect(await store.withPollLock('other-box', async () => 'other')).toEqual({ locked: true, value: 'other' });
    release();
    expect(await first).toEqual({ locked: true, value: 'first' });
    expect(await store.withPollLock('rz-box', async () => 'again')).toEqual({ locked: true, value: 'again' });
  });

  it('keeps the last poll, success and error of each upstream', async () => {
    expect((await store.status(['rz-a'])).size).toBe(0);
    await store.recordPollStart('rz-a');
    await store.recordError('rz-a', 'getStatusList: certificate required');
    const oldest = new Date(Date.now() - 3 * 86_400_000);
    await store.recordSuccess('rz-a', { backlog: 2, oldestPendingAt: oldest, overdue: 1 });
    const row = (await store.status(['rz-a', 'rz-b'])).get('rz-a');
    expect(row).toMatchObject({ upstreamId: 'rz-a', backlog: 2, overdue: 1, oldestPendingAt: oldest, lastError: { message: 'getStatusList: certificate required' } });
    expect(row?.lastSuccessAt).toBeInstanceOf(Date);
    expect(row?.lastPollAt).toBeInstanceOf(Date);
    await store.recordSuccess('rz-a', { backlog: 0, overdue: 0 });
    expect((await store.status(['rz-a'])).get('rz-a')).toMatchObject({ backlog: 0, overdue: 0 });
    expect((await store.status(['rz-a'])).get('rz-a')?.oldestPendingAt).toBeUndefined();
  });
});
