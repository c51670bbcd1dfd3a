import { afterEach, describe, expect, it } from 'vitest';
import { MISSING_ATTACHMENT_TRIES } from '@weiche/hub';
import { queryOnce as query, waitFor } from '../support/env.js';
import type { HubProcess } from '../support/hub-process.js';
import { countDownloads, endScenario, PROBLEM, rejectedWith, rowsOf, scenario, send, startHub, type Scenario } from '../support/upstream-scenario.js';

/** The upstream's missingAttachmentGraceMs: the least the config allows. */
const GRACE_MS = 60_000;

/** The journal's record of a submission's missing attachment (shared by every hub process), if any. */
async function missingRecord(s: Scenario, upstreamSubmissionId: string): Promise<{ pickups: number; first_missing_at: Date } | undefined> {
  const rows = await query<{ pickups: number; first_missing_at: Date }>(
    `SELECT pickups, first_missing_at FROM "${s.cfg.schema}".upstream_missing_attachments WHERE upstream_submission_id = $1`,
    [upstreamSubmissionId],
  );
  return rows[0];
}

/** Lets the grace pass for a missing attachment: its first miss moved back by the grace (instead of waiting for it). */
async function graceOver(s: Scenario, upstreamSubmissionId: string): Promise<void> {
  await query(`UPDATE "${s.cfg.schema}".upstream_missing_attachments SET first_missing_at = first_missing_at - make_interval(secs => $2) WHERE upstream_submission_id = $1`, [
    upstreamSubmissionId,
    GRACE_MS / 1000,
  ]);
}

/** The Zustelldienst has lost an announced attachment: get-submission-attachment answers 404. Returns a way to bring it back. */
function loseAttachment(s: Scenario, sent: { submissionId: string; attachmentId: string }): () => void {
  const attachments = s.zd.submissions.get(sent.submissionId)!.attachments;
  const jwe = attachments.get(sent.attachmentId)!;
  attachments.delete(sent.attachmentId);
  return () => attachments.set(sent.attachmentId, jwe);
}

/** Waits until `enough` pickups found the attachment missing — or the submission was taken in (to be rejected) before. */
async function missedOn(s: Scenario, upstreamSubmissionId: string, enough: () => boolean): Promise<void> {
  await waitFor('pickups finding the attachment missing', async () => enough() || (await rowsOf(s, upstreamSubmissionId)).length > 0, 30_000, 100);
}

const downloadsOf = (s: Scenario, upstreamSubmissionId: string): number => s.downloads.get(upstreamSubmissionId) ?? 0;

/** Lines a hub process logged with the given message about an upstream submission. */
const logged = (hub: HubProcess, msg: string, upstreamSubmissionId: string): number =>
  hub.output.split('\n').filter((line) => line.includes(`"msg":"${msg}`) && line.includes(upstreamSubmissionId)).length;

// An announced attachment the Zustelldienst answers 404 for cannot heal by itself, but a Zustelldienst's outage looks
// the same for a while: the hub rejects only after the attachment has been missing for the upstream's grace (and on
// several pickups), counted in the journal — across restarts and replicas — and rejects once.
describe('FIT-Connect upstream: an announced attachment the Zustelldienst answers 404 for', () => {
  let current: Scenario | undefined;

  afterEach(async () => {
    await endScenario(current);
    current = undefined;
  });

  it('missing for a while within the grace (many pickups at a short poll interval): not rejected, taken once it is back', async () => {
    const s = (current = await scenario({}, { missingAttachmentGraceMs: GRACE_MS }));
    countDownloads(s);
    const sent = await send(s, 2000);
    const bringBack = loseAttachment(s, sent);
    await startHub(s);

    // twice the tries, over more than their poll intervals
    await missedOn(s, sent.submissionId, () => downloadsOf(s, sent.submissionId) >= 2 * MISSING_ATTACHMENT_TRIES);
    expect(await rowsOf(s, sent.submissionId)).toEqual([]);
    expect(s.zd.answersFor(sent.submissionId)).toEqual([]);
    expect((await missingRecord(s, sent.submissionId))?.pickups).toBeGreaterThanOrEqual(2 * MISSING_ATTACHMENT_TRIES - 1);

    bringBack();
    await waitFor('accepted', async () => (s.zd.answersFor(sent.submissionId).length > 0 ? true : undefined), 60_000, 250);
    expect(s.zd.answersFor(sent.submissionId).map((a) => a.event)).toEqual(['accept-submission']);
    expect((await rowsOf(s, sent.submissionId)).map((r) => r.state)).toEqual(['DELIVERED']);
    // a later loss would count afresh
    expect(await missingRecord(s, sent.submissionId)).toBeUndefined();
  }, 180_000);

  it('a restarted hub counts on from the first miss; past the grace the submission is rejected once with missing-attachments', async () => {
    const s = (current = await scenario({}, { missingAttachmentGraceMs: GRACE_MS }));
    countDownloads(s);
    const gone = await send(s, 2000);
    const fine = await send(s, 2000);
    loseAttachment(s, gone);
    const first = await startHub(s);
    await missedOn(s, gone.submissionId, () => downloadsOf(s, gone.submissionId) > MISSING_ATTACHMENT_TRIES);
    await first.stop();
    expect(await rowsOf(s, gone.submissionId)).toEqual([]);
    const before = (await missingRecord(s, gone.submissionId))!;
    expect(before.pickups).toBeGreaterThan(MISSING_ATTACHMENT_TRIES - 1);
    const atRestart = downloadsOf(s, gone.submissionId);

    await startHub(s);
    await missedOn(s, gone.submissionId, () => downloadsOf(s, gone.submissionId) >= atRestart + 3);
    expect(await rowsOf(s, gone.submissionId)).toEqual([]);
    const after = (await missingRecord(s, gone.submissionId))!;
    expect(after.first_missing_at).toEqual(before.first_missing_at);
    expect(after.pickups).toBeGreaterThanOrEqual(before.pickups + 2);
    expect(s.zd.answersFor(gone.submissionId)).toEqual([]);

    await graceOver(s, gone.submissionId);
    expect(await rejectedWith(s, gone.submissionId)).toEqual([expect.objectContaining({ type: PROBLEM('missing-attachments'), instance: `attachment:${gone.attachmentId}` })]);
    await waitFor('acknowledged', async () => ((await rowsOf(s, gone.submissionId))[0]?.acknowledged_at ? true : undefined), 60_000);
    expect((await rowsOf(s, gone.submissionId)).map((r) => [r.state, r.problem?.code, r.problem?.part])).toEqual([['REJECTED', 'WEICHE_ERR_MISSING_ATTACHMENTS', `attachment:${gone.attachmentId}`]]);
    expect(await missingRecord(s, gone.submissionId)).toBeUndefined();
    // the other submission was not held up
    await waitFor('accepted', async () => (s.zd.answersFor(fine.submissionId).length > 0 ? true : undefined), 60_000, 250);
    expect(s.zd.answersFor(fine.submissionId).map((a) => a.event)).toEqual(['accept-submission']);

    // no longer asked for, no longer a failing poll
    const rejectedAfter = downloadsOf(s, gone.submissionId);
    const polls = s.zd.pagesServed;
    await waitFor('several more polls', async () => (s.zd.pagesServed >= polls + 5 ? true : undefined), 60_000, 100);
    expect(downloadsOf(s, gone.submissionId)).toBe(rejectedAfter);
    const status = await query<{ last_error_at: Date | null; last_success_at: Date | null }>(`SELECT last_error_at, last_success_at FROM "${s.cfg.schema}".upstream_polls WHERE upstream_id = 'zd-test'`);
    expect(status[0]!.last_success_at!.getTime()).toBeGreaterThan(status[0]!.last_error_at!.getTime());
    expect(s.zd.refusedAnswers).toEqual([]);
  }, 180_000);

  it('two hub processes polling the same upstream share one count and reject once', async () => {
    const s = (current = await scenario({}, { missingAttachmentGraceMs: GRACE_MS }));
    countDownloads(s);
    const gone = await send(s, 2000);
    loseAttachment(s, gone);
    const hubs = [await startHub(s), await startHub(s, { replica: true })];

    const FAILED = 'upstream pickup failed';
    await missedOn(s, gone.submissionId, () => hubs.every((hub) => logged(hub, FAILED, gone.submissionId) >= 2));
    expect(await rowsOf(s, gone.submissionId)).toEqual([]);
    // read the logs first: each failure was counted before it was logged
    const failures = hubs.map((hub) => logged(hub, FAILED, gone.submissionId));
    expect((await missingRecord(s, gone.submissionId))!.pickups).toBeGreaterThanOrEqual(failures[0]! + failures[1]!);
    expect(s.zd.answersFor(gone.submissionId)).toEqual([]);

    await graceOver(s, gone.submissionId);
    expect(await rejectedWith(s, gone.submissionId)).toEqual([expect.objectContaining({ type: PROBLEM('missing-attachments') })]);
    const polls = s.zd.pagesServed;
    await waitFor('several more polls', async () => (s.zd.pagesServed >= polls + 5 ? true : undefined), 60_000, 100);
    expect(s.zd.answersFor(gone.submissionId)).toHaveLength(1);
    expect(await rowsOf(s, gone.submissionId)).toHaveLength(1);
    expect(hubs.map((hub) => logged(hub, 'took in an upstream submission to reject it', gone.submissionId)).reduce((a, b) => a + b)).toBe(1);
    // what a racing replica counted meanwhile goes with the submission from the list
    await waitFor('the missing-attachment record gone', async () => (await missingRecord(s, gone.submissionId)) === undefined, 60_000);
    expect(s.zd.refusedAnswers).toEqual([]);
  }, 180_000);
});
