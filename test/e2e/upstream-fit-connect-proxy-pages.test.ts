import { afterEach, describe, expect, it } from 'vitest';
import { queryOnce as query, waitFor } from '../support/env.js';
import type { ZdCall } from '../support/test-zustelldienst.js';
import { endScenario, rowsOf, scenario, send, startHub, type Scenario } from '../support/upstream-scenario.js';

const MAINTENANCE = { type: 'application/json', body: JSON.stringify({ status: 'maintenance' }) };
const HTML_AS_JSON = { type: 'application/json', body: '<html><body>Wartungsarbeiten</body></html>' };
const HTML = { type: 'text/html', body: '<html><body>Wartungsarbeiten. Bitte versuchen Sie es später.</body></html>' };

// A 200 whose body is not what the Submission API answers there (a proxy's maintenance page, JSON or HTML) is the
// upstream's or the proxy's fault, not the sender's: the pickup is tried again by later passes, the poll reports it,
// and the submission is accepted once the Zustelldienst answers again — never rejected for the proxy's page.
describe('FIT-Connect upstream: a proxy answering in the Zustelldienst\'s place', () => {
  let current: Scenario | undefined;

  afterEach(async () => {
    await endScenario(current);
    current = undefined;
  });

  const lastError = async (s: Scenario): Promise<string | undefined> =>
    (await query<{ last_error: string | null }>(`SELECT last_error FROM "${s.cfg.schema}".upstream_polls WHERE upstream_id = 'zd-test'`))[0]?.last_error ?? undefined;

  it('maintenance pages for the submission, its attachment and its event log: reported by the poll, then accepted once they are gone', async () => {
    const s = (current = await scenario());
    const sent = await send(s, 2000);
    let proxy: { call: ZdCall; page: { type: string; body: string } } | undefined;
    s.zd.hooks.answerInstead = (call) => (proxy?.call === call ? proxy.page : undefined);
    const phases: Array<[ZdCall, { type: string; body: string }, string]> = [
      ['submission', MAINTENANCE, 'get submission: the answer is not of the Submission API (submissionId'],
      ['submission', HTML_AS_JSON, 'get submission: the answer is not of the Submission API (no JSON)'],
      ['attachment', HTML, 'get attachment: the answer is not of the Submission API (content type text/html instead of application/jose)'],
      ['events', MAINTENANCE, 'get event log: the answer is not of the Submission API (eventLog'],
    ];
    proxy = { call: phases[0]![0], page: phases[0]![1] };
    await startHub(s);
    for (const [call, page, reported] of phases) {
      proxy = { call, page };
      // each page in turn, until a pass has met it and reported it
      await waitFor(`the poll reporting the ${call} page`, async () => {
        const reading = await lastError(s);
        if (reading?.includes(reported)) return true;
        throw new Error(`the poll reports ${reading ?? 'no error'}`);
      }, 60_000, 100);
      expect(s.zd.answersFor(sent.submissionId)).toEqual([]);
      expect(await rowsOf(s, sent.submissionId)).toEqual([]);
    }
    proxy = undefined;
    await waitFor('an answer upstream', async () => (s.zd.answersFor(sent.submissionId).length > 0 ? true : undefined), 60_000, 250);
    expect(s.zd.answersFor(sent.submissionId).map((a) => a.event)).toEqual(['accept-submission']);
    expect((await rowsOf(s, sent.submissionId)).map((r) => r.state)).toEqual(['DELIVERED']);
    expect(s.zd.refusedAnswers).toEqual([]);
    // what the operator reads names the call and the schema's complaint, never the page's content
    expect(await lastError(s)).not.toMatch(/maintenance|Wartungsarbeiten/);
  }, 240_000);
});
