import { afterEach, describe, expect, it } from 'vitest';
import { queryOnce as query, waitFor } from '../support/env.js';
import { HttpError } from '../support/test-zustelldienst.js';
import { countDownloads, endScenario, PROBLEM, rejectedWith, rowsOf, scenario, send, startHub, type Scenario } from '../support/upstream-scenario.js';

/** The operator lowered the attachment limit below FIT-Connect's maxima (plaintext bytes per attachment). */
const ATTACHMENT_LIMIT = 10_000;

// A pickup that can never succeed (issue: an attachment over the operator's lowered limit) ends in one
// reject-submission upstream instead of a failing poll every interval; a transient failure still retries.
describe('FIT-Connect upstream: submissions that can never be taken', () => {
  let current: Scenario | undefined;

  afterEach(async () => {
    await endScenario(current);
    current = undefined;
  });

  it('an attachment over the limit: recorded once, rejected upstream with technical-error, never downloaded again; the others go through', async () => {
    const s = (current = await scenario({ attachmentBytes: ATTACHMENT_LIMIT }));
    countDownloads(s);
    const small1 = await send(s, 2000);
    const big = await send(s, 4 * ATTACHMENT_LIMIT);
    const small2 = await send(s, 2000);
    await startHub(s);

    await waitFor('the oversized submission rejected upstream', async () => (s.zd.answersFor(big.submissionId).length > 0 ? true : undefined), 60_000, 250);
    const answers = s.zd.answersFor(big.submissionId);
    expect(answers.map((a) => a.event)).toEqual(['reject-submission']);
    const problems = answers[0]!.payload.problems as Array<{ type: string; instance: string; detail: string }>;
    expect(problems).toHaveLength(1);
    expect(problems[0]!.type).toBe('https://schema.fitko.de/fit-connect/events/problems/technical-error');
    expect(problems[0]!.instance).toBe(`attachment:${big.attachmentId}`);
    expect(problems[0]!.detail).toContain(String(ATTACHMENT_LIMIT));

    // one journal row, REJECTED for the refused input, acknowledged; the oversized blob is not kept
    await waitFor('the reject acknowledged in the journal', async () => ((await rowsOf(s, big.submissionId))[0]?.acknowledged_at ? true : undefined), 60_000);
    const rows = await rowsOf(s, big.submissionId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.state).toBe('REJECTED');
    expect(rows[0]!.problem).toMatchObject({ code: 'WEICHE_ERR_INPUT_REFUSED', part: `attachment:${big.attachmentId}` });
    expect(rows[0]!.channel_meta.attachmentBlobs).toEqual([]);
    // the operator finds the reason in the audit trail of the pickup
    const audit = await query<{ details: { pickupRefused?: { detail: string } } }>(`SELECT details FROM "${s.cfg.schema}".audit WHERE submission_id = $1 AND details ? 'pickupRefused'`, [rows[0]!.submission_id]);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details.pickupRefused?.detail).toContain(String(ATTACHMENT_LIMIT));

    // the other submissions of the same poll went through
    for (const small of [small1, small2]) {
      await waitFor('accepted', async () => (s.zd.answersFor(small.submissionId).length > 0 ? true : undefined), 60_000, 250);
      expect(s.zd.answersFor(small.submissionId).map((a) => a.event)).toEqual(['accept-submission']);
      expect((await rowsOf(s, small.submissionId)).map((r) => r.state)).toEqual(['DELIVERED']);
    }

    // later polls (every 200 ms) neither download it again nor report a failing poll
    const polls = s.zd.pagesServed;
    await waitFor('several more polls', async () => (s.zd.pagesServed >= polls + 5 ? true : undefined), 60_000, 100);
    expect(s.downloads.get(big.submissionId)).toBe(1);
    const status = await query<{ last_error: string | null; last_success_at: Date | null }>(`SELECT last_error, last_success_at FROM "${s.cfg.schema}".upstream_polls WHERE upstream_id = 'zd-test'`);
    expect(status[0]?.last_success_at).not.toBeNull();
    expect(status[0]?.last_error).toBeNull();
    expect(s.zd.refusedAnswers).toEqual([]);
  }, 180_000);

  it('a submission the Zustelldienst answers outside the API schema: rejected once in the case the pickup list names, not fetched every poll', async () => {
    const s = (current = await scenario({ attachmentBytes: ATTACHMENT_LIMIT }));
    const bad = await send(s, 2000);
    const fine = await send(s, 2000);
    let fetches = 0;
    s.zd.hooks.submissionAnswer = (submissionId, body) => {
      if (submissionId !== bad.submissionId) return body;
      fetches += 1;
      const { serviceType: _dropped, ...rest } = body;
      return rest;
    };
    await startHub(s);
    await waitFor('rejected upstream', async () => (s.zd.answersFor(bad.submissionId).length > 0 ? true : undefined), 60_000, 250);
    const answers = s.zd.answersFor(bad.submissionId);
    expect(answers.map((a) => a.event)).toEqual(['reject-submission']);
    expect(answers[0]!.payload.problems).toEqual([expect.objectContaining({ type: 'https://schema.fitko.de/fit-connect/events/problems/technical-error', instance: 'submission' })]);
    await waitFor('acknowledged', async () => ((await rowsOf(s, bad.submissionId))[0]?.acknowledged_at ? true : undefined), 60_000);
    expect((await rowsOf(s, bad.submissionId)).map((r) => [r.state, r.problem?.code])).toEqual([['REJECTED', 'WEICHE_ERR_INPUT_REFUSED']]);
    await waitFor('accepted', async () => (s.zd.answersFor(fine.submissionId).length > 0 ? true : undefined), 60_000, 250);
    const polls = s.zd.pagesServed;
    await waitFor('several more polls', async () => (s.zd.pagesServed >= polls + 5 ? true : undefined), 60_000, 100);
    expect(fetches).toBe(1);
  }, 180_000);

  it('an attachment list off the API (an id repeated, an id that is no UUID): rejected once as outside the schema, nothing downloaded', async () => {
    const s = (current = await scenario({ attachmentBytes: ATTACHMENT_LIMIT }));
    const repeated = await send(s, 2000);
    const notUuid = await send(s, 2000);
    const fine = await send(s, 2000);
    // Submission.attachments is a list of attachment UUIDs: the same one ten times would be downloaded and delivered
    // ten times, and each entry widened the submission's size allowance by a JWE's fixed segments
    s.zd.hooks.submissionAnswer = (submissionId, body) => {
      if (submissionId === repeated.submissionId) return { ...body, attachments: Array<string>(10).fill(repeated.attachmentId) };
      if (submissionId === notUuid.submissionId) return { ...body, attachments: [...notUuid.attachmentIds, '../../admin'] };
      return body;
    };
    countDownloads(s);
    await startHub(s);
    for (const bad of [repeated, notUuid]) {
      expect(await rejectedWith(s, bad.submissionId)).toEqual([expect.objectContaining({ type: PROBLEM('technical-error'), instance: 'submission' })]);
      expect(s.downloads.get(bad.submissionId)).toBeUndefined();
    }
    await waitFor('accepted', async () => (s.zd.answersFor(fine.submissionId).length > 0 ? true : undefined), 60_000, 250);
    expect(s.zd.answersFor(fine.submissionId).map((a) => a.event)).toEqual(['accept-submission']);
  }, 180_000);

  it('a transient failure (503 on the attachment once) is tried again by the next poll and then accepted', async () => {
    const s = (current = await scenario({ attachmentBytes: ATTACHMENT_LIMIT }));
    const sent = await send(s, 2000);
    s.zd.hooks.beforeAttachment = async (submissionId) => {
      const n = (s.downloads.get(submissionId) ?? 0) + 1;
      s.downloads.set(submissionId, n);
      if (n === 1) throw new HttpError(503, 'busy');
    };
    await startHub(s);
    await waitFor('accepted after the retry', async () => (s.zd.answersFor(sent.submissionId).length > 0 ? true : undefined), 60_000, 250);
    expect(s.zd.answersFor(sent.submissionId).map((a) => a.event)).toEqual(['accept-submission']);
    expect(s.downloads.get(sent.submissionId)).toBe(2);
    expect((await rowsOf(s, sent.submissionId)).map((r) => r.state)).toEqual(['DELIVERED']);
    // the failed poll was reported as such
    const status = await query<{ last_error: string | null }>(`SELECT last_error FROM "${s.cfg.schema}".upstream_polls WHERE upstream_id = 'zd-test'`);
    expect(status[0]?.last_error).toContain('503');
  }, 180_000);

  it('a submission sent chunked (no Content-Length) over the limits: the hub stops reading at the limit and rejects it once', async () => {
    const s = (current = await scenario({ dataBytes: 100_000 }));
    const big = await send(s, 2000);
    s.zd.chunkedSubmissions = true;
    // 64 MiB of metadata: far over what the limits allow for the submission, and more than socket buffers hold
    s.zd.hooks.submissionAnswer = (submissionId, body) => (submissionId === big.submissionId ? { ...body, encryptedMetadata: `${String(body.encryptedMetadata)}${'A'.repeat(64 * 1024 * 1024)}` } : body);
    await startHub(s);

    const problems = await rejectedWith(s, big.submissionId);
    expect(problems).toEqual([expect.objectContaining({ type: PROBLEM('technical-error'), instance: 'submission' })]);
    const transfers = s.zd.submissionTransfers.filter((t) => t.submissionId === big.submissionId);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]!.complete).toBe(false);
    expect(transfers[0]!.written).toBeLessThan(transfers[0]!.total / 2);
    await waitFor('acknowledged', async () => ((await rowsOf(s, big.submissionId))[0]?.acknowledged_at ? true : undefined), 60_000);
    expect((await rowsOf(s, big.submissionId)).map((r) => [r.state, r.problem?.code])).toEqual([['REJECTED', 'WEICHE_ERR_INPUT_REFUSED']]);
  }, 180_000);

  it('a submission over submissionBytes (each attachment within its limit): rejected once, the attachments past the limit never downloaded', async () => {
    // 10 000 plaintext bytes per submission; four attachments of 8 000 bytes each pass the per-attachment limit
    const s = (current = await scenario({ submissionBytes: 10_000 }));
    const big = await send(s, 8000, 8000, 8000, 8000);
    const fine = await send(s, 2000);
    countDownloads(s);
    await startHub(s);

    const problems = await rejectedWith(s, big.submissionId);
    expect(problems).toEqual([expect.objectContaining({ type: PROBLEM('technical-error'), instance: 'submission' })]);
    expect(problems[0]!.detail).toContain('10000');
    // the download that passed the limit was the last one: the fourth attachment was never asked for
    expect(s.downloads.get(big.submissionId)).toBeLessThan(4);
    await waitFor('acknowledged', async () => ((await rowsOf(s, big.submissionId))[0]?.acknowledged_at ? true : undefined), 60_000);
    expect((await rowsOf(s, big.submissionId)).map((r) => [r.state, r.problem?.code, r.problem?.part])).toEqual([['REJECTED', 'WEICHE_ERR_INPUT_REFUSED', 'submission']]);
    await waitFor('accepted', async () => (s.zd.answersFor(fine.submissionId).length > 0 ? true : undefined), 60_000, 250);
    expect(s.zd.answersFor(fine.submissionId).map((a) => a.event)).toEqual(['accept-submission']);
    const polls = s.zd.pagesServed;
    await waitFor('several more polls', async () => (s.zd.pagesServed >= polls + 5 ? true : undefined), 60_000, 100);
    expect(s.downloads.get(big.submissionId)).toBeLessThan(4);
  }, 180_000);
});
