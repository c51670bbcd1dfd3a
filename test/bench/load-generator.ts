/**
 * The benchmark's load generator: a FIT-Connect sender with `jose` only (test/support/fit-connect-sender),
 * whose submissions are encrypted before the clock starts. Timed per submission, as the sender sees it:
 * create, uploads, the submit `PUT`, then the event log polled until `accept-submission` appears.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventNames, sha512, submissionMetadata, TestSender } from '../support/fit-connect-sender.js';
import { SERVICE } from '../support/test-config.js';

export const ATTACHMENTS = 2;
export const ATTACHMENT_BYTES = 100 * 1024;
export const DATA_BYTES = 2 * 1024;

/** One submission, encrypted and ready to send: nothing of it costs the sender CPU while timed. */
export interface PreparedSubmission {
  readonly index: number;
  readonly attachmentIds: readonly string[];
  readonly attachmentJwes: readonly string[];
  readonly encryptedMetadata: string;
  readonly encryptedData: string;
  /** SHA-512 of the data and every attachment: each must come out as a ZIP entry. */
  readonly hashes: readonly string[];
}

export interface TimedSubmission {
  readonly submissionId: string;
  readonly caseId: string;
  readonly hashes: readonly string[];
  /** performance.now() when the submit PUT started. */
  readonly submitStart: number;
  /** submit PUT → response. */
  readonly submitMs: number;
  /** submit PUT start → accept-submission seen in the event log (NaN when it never came). */
  readonly acceptMs: number;
  readonly outcome: 'accepted' | 'rejected' | 'timeout' | 'refused';
}

/** Synthetic Fachdaten of about DATA_BYTES: no real person's data, and never logged. */
function syntheticData(i: number): Buffer {
  const base = { vorhaben: `Benchmark-Vorhaben ${i}`, flurstueck: `${1000 + i}/7`, gemarkung: 'Testhausen', bemerkungen: [] as string[] };
  while (Buffer.byteLength(JSON.stringify(base)) < DATA_BYTES) base.bemerkungen.push(randomBytes(24).toString('hex'));
  return Buffer.from(JSON.stringify(base));
}

export class LoadSender extends TestSender {
  /** Whether the hub answered an ETag on the event log, so polls can be conditional. */
  etags = false;

  constructor(
    baseUrl: string,
    clientId: string,
    clientSecret: string,
    private readonly destinationId: string,
    private readonly pollMs: number,
    private readonly options: { conditional: boolean } = { conditional: true },
  ) {
    super(baseUrl, clientId, clientSecret);
  }

  /** Encrypts submission `index` (RSA-OAEP-256 + A256GCM to the destination's RSA-4096 key). */
  async prepare(index: number): Promise<PreparedSubmission> {
    const data = syntheticData(index);
    const attachments = Array.from({ length: ATTACHMENTS }, (_, k) => ({
      content: randomBytes(ATTACHMENT_BYTES),
      filename: `anlage-${index}-${k}.pdf`,
      mimeType: 'application/pdf',
      purpose: 'attachment' as const,
      attachmentId: randomUUID(),
    }));
    const metadata = submissionMetadata({ data, schemaUri: 'urn:test:schema:1.0', senderReference: `BENCH-${index}` }, attachments);
    return {
      index,
      attachmentIds: attachments.map((a) => a.attachmentId),
      attachmentJwes: await Promise.all(attachments.map((a) => this.encrypt(this.destinationId, a.content))),
      encryptedMetadata: await this.encrypt(this.destinationId, Buffer.from(JSON.stringify(metadata))),
      encryptedData: await this.encrypt(this.destinationId, data),
      hashes: [sha512(data), ...attachments.map((a) => sha512(a.content))],
    };
  }

  /** Sends a prepared submission and waits for its accept-submission (or reject) event, up to `timeoutMs`. */
  async sendTimed(p: PreparedSubmission, timeoutMs: number): Promise<TimedSubmission> {
    const created = await this.json<{ submissionId: string; caseId: string }>('POST', '/v1/submissions', {
      destinationId: this.destinationId,
      serviceType: { identifier: SERVICE, name: 'Baugenehmigung beantragen' },
      announcedAttachments: p.attachmentIds,
    });
    const base = { submissionId: created.submissionId, caseId: created.caseId, hashes: p.hashes };
    for (const [k, id] of p.attachmentIds.entries()) {
      const upload = await this.request('PUT', `/v1/submissions/${created.submissionId}/attachments/${id}`, p.attachmentJwes[k], 'application/jose');
      if (upload.status !== 204) return { ...base, submitStart: performance.now(), submitMs: Number.NaN, acceptMs: Number.NaN, outcome: 'refused' };
    }
    const submitStart = performance.now();
    const submit = await this.request('PUT', `/v1/submissions/${created.submissionId}`, { encryptedMetadata: p.encryptedMetadata, encryptedData: p.encryptedData });
    const submitMs = performance.now() - submitStart;
    await submit.arrayBuffer();
    if (submit.status !== 202) return { ...base, submitStart, submitMs, acceptMs: Number.NaN, outcome: 'refused' };
    const outcome = await this.waitForDecision(created.caseId, submitStart + timeoutMs);
    return { ...base, submitStart, submitMs, acceptMs: outcome === 'timeout' ? Number.NaN : performance.now() - submitStart, outcome };
  }

  /**
   * Polls GET /v1/cases/{caseId}/events every pollMs; with If-None-Match when the hub serves an ETag
   * (a 304 costs the hub no body), else plainly.
   */
  private async waitForDecision(caseId: string, deadline: number): Promise<'accepted' | 'rejected' | 'timeout'> {
    const token = await this.accessToken();
    let etag: string | undefined;
    while (performance.now() < deadline) {
      const response = await fetch(`${this.baseUrl}/v1/cases/${caseId}/events`, {
        headers: { authorization: `Bearer ${token}`, ...(etag ? { 'if-none-match': etag } : {}) },
      });
      if (response.status === 200) {
        etag = this.options.conditional ? (response.headers.get('etag') ?? undefined) : undefined;
        if (etag) this.etags = true;
        const names = eventNames(((await response.json()) as { eventLog: string[] }).eventLog);
        if (names.includes('accept-submission')) return 'accepted';
        if (names.includes('reject-submission')) return 'rejected';
      } else {
        await response.arrayBuffer();
      }
      await sleep(this.pollMs);
    }
    return 'timeout';
  }

  #token: string | undefined;
  /** The sender's access token, fetched once (call before the clock starts). */
  async accessToken(): Promise<string> {
    this.#token ??= await this.fetchToken();
    return this.#token;
  }
}

/**
 * Runs prepared submissions closed-loop (one lane per sender: a lane sends its next submission when the previous
 * one is decided) or, with `rate`, open-loop (one start every 1/rate s, whatever the receiver does).
 */
export async function drive(senders: readonly LoadSender[], prepared: readonly PreparedSubmission[], options: { rate?: number; timeoutMs: number }): Promise<TimedSubmission[]> {
  const done: TimedSubmission[] = [];
  const { rate, timeoutMs } = options;
  if (rate === undefined) {
    let next = 0;
    await Promise.all(
      senders.map(async (sender) => {
        while (next < prepared.length) done.push(await sender.sendTimed(prepared[next++]!, timeoutMs));
      }),
    );
    return done;
  }
  const start = performance.now();
  const running: Array<Promise<void>> = [];
  for (const [i, p] of prepared.entries()) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sender = senders[i % senders.length]!;
    running.push(sender.sendTimed(p, timeoutMs).then((t) => void done.push(t)));
  }
  await Promise.all(running);
  return done;
}

/** Throughput as the benchmark defines it: accepted submissions ÷ (first submit `PUT` → last accept seen). */
export function throughputOf(timed: readonly TimedSubmission[]): { accepted: TimedSubmission[]; elapsedS: number; submissionsPerSec: number } {
  const accepted = timed.filter((t) => t.outcome === 'accepted');
  const firstSubmit = Math.min(...timed.map((t) => t.submitStart));
  const lastAccept = Math.max(...accepted.map((t) => t.submitStart + t.acceptMs));
  const elapsedS = (lastAccept - firstSubmit) / 1000;
  return { accepted, elapsedS, submissionsPerSec: accepted.length / elapsedS };
}
