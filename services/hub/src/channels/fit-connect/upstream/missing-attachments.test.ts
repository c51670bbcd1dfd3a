import { randomBytes } from 'node:crypto';
import { createPool, migrate, MissingAttachmentStore } from '@weiche/journal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MISSING_ATTACHMENT_TRIES, MissingAttachments } from './missing-attachments.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const GRACE = 3_600_000;
const pool = createPool(DATABASE_URL, { max: 4 });
const schema = `t_${randomBytes(5).toString('hex')}`;
const store = new MissingAttachmentStore({ pool, schema });

beforeAll(() => migrate(pool, schema));
afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

/** As if the attachment had been found missing `ms` earlier than it was. */
const backdate = (id: string, ms: number) =>
  pool.query(`UPDATE "${schema}".upstream_missing_attachments SET first_missing_at = first_missing_at - make_interval(secs => $2::double precision / 1000) WHERE upstream_submission_id = $1`, [id, ms]);

const misses = async (missing: MissingAttachments, id: string, n: number): Promise<boolean[]> => {
  const verdicts: boolean[] = [];
  for (let i = 0; i < n; i += 1) verdicts.push(await missing.missed(id));
  return verdicts;
};

describe('MissingAttachments', () => {
  it('does not refuse many pickups within the grace (a Zustelldienst outage at a short poll interval), only once the grace has passed', async () => {
    const missing = new MissingAttachments(store, 'zd', GRACE);
    expect(await misses(missing, 'outage', 3 * MISSING_ATTACHMENT_TRIES)).not.toContain(true);
    await backdate('outage', GRACE);
    expect(await missing.missed('outage')).toBe(true);
  });

  it('does not refuse before the tries either, however long ago the first miss was', async () => {
    const missing = new MissingAttachments(store, 'zd', GRACE);
    await missing.missed('few');
    await backdate('few', 10 * GRACE);
    expect(await misses(missing, 'few', MISSING_ATTACHMENT_TRIES - 2)).toEqual(Array<boolean>(MISSING_ATTACHMENT_TRIES - 2).fill(false));
    expect(await missing.missed('few')).toBe(true);
  });

  it('counts on in a new instance (a restart, another replica) and per upstream', async () => {
    await misses(new MissingAttachments(store, 'zd', GRACE), 'restart', MISSING_ATTACHMENT_TRIES);
    await backdate('restart', GRACE);
    expect(await new MissingAttachments(store, 'zd', GRACE).missed('restart')).toBe(true);
    // the same submission id at another upstream is another submission
    expect(await new MissingAttachments(store, 'other-zd', GRACE).missed('restart')).toBe(false);
  });

  it('starts afresh once the attachments arrived (forget), and for what a list read in full no longer held', async () => {
    const missing = new MissingAttachments(store, 'zd', GRACE);
    await misses(missing, 'arrived', MISSING_ATTACHMENT_TRIES);
    await backdate('arrived', GRACE);
    await missing.forget('arrived');
    expect(await missing.missed('arrived')).toBe(false);

    await misses(missing, 'answered', MISSING_ATTACHMENT_TRIES);
    await misses(missing, 'listed', MISSING_ATTACHMENT_TRIES);
    await backdate('answered', GRACE);
    await backdate('listed', GRACE);
    await missing.keepOnly(new Set(['listed', 'arrived']), new Date(Date.now() + 1000));
    expect(await missing.missed('answered')).toBe(false);
    expect(await missing.missed('listed')).toBe(true);
  });
});
