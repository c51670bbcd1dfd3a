import type { MissingAttachmentStore, UpstreamStore } from '@weiche/journal';
import { errorMessage } from '@weiche/core';
import { MAX_PICKUP_LIST_ENTRIES } from './api-client.js';
import type { SubmissionForPickup } from './api-schemas.js';
import { MissingAttachments } from './missing-attachments.js';
import { PassFailures } from '../../../upstreams/pass-failures.js';
import { fitConnectFailureKind } from './failure-kind.js';
import { pickUp, type PickupDeps, type UpstreamConnection } from './pickup.js';

/** Submission ids named by callbacks that wait to be picked up, at most (a callback's body holds some thousands). */
const MAX_NAMED = 1000;

/**
 * Polls one upstream destination: every `pollIntervalMs`, and at once when a callback announces new
 * submissions. One pass at a time; a trigger during a pass runs one more pass right after it. Each pass
 * records its start, success or error (for the admin API, console and metrics).
 */
export class UpstreamPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private readonly inFlight = new Set<string>();
  /** Ids callbacks named, not yet picked up: one after another, by one `drain` (see trigger). */
  private readonly named = new Set<string>();
  private draining: Promise<void> | undefined;
  private readonly missing: MissingAttachments;

  constructor(
    private readonly up: UpstreamConnection,
    private readonly deps: PickupDeps & {
      readonly upstreams: Pick<UpstreamStore, 'recordPoll'>;
      readonly missingAttachments: Pick<MissingAttachmentStore, 'missed' | 'forget' | 'keepOnly'>;
    },
  ) {
    this.missing = new MissingAttachments(deps.missingAttachments, up.config.id, up.config.missingAttachmentGraceMs);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.named.clear();
    await Promise.all([this.running, this.draining]);
  }

  /**
   * Picks up the announced submissions now, then polls the list (a callback may name only some). The named ones are
   * picked up one after another, at most MAX_NAMED waiting: a callback naming thousands (or many callbacks) would
   * otherwise fetch them all at once, each submission up to the hub's limits in memory, and hold the database's
   * pool. What is beyond, the poll of the list finds.
   */
  trigger(submissionIds: readonly string[] = []): Promise<void> {
    for (const id of submissionIds) if (this.named.size < MAX_NAMED) this.named.add(id);
    if (this.named.size > 0) this.draining ??= this.drain().finally(() => (this.draining = undefined));
    if (this.running) {
      this.again = true;
      return this.running;
    }
    return this.runPass();
  }

  /** Picks up what callbacks named, one at a time, until none is left (ids named meanwhile included). */
  private async drain(): Promise<void> {
    for (const id of this.named) {
      this.named.delete(id);
      await this.pickUpOne(id).catch((error: unknown) =>
        this.deps.log.warn({ upstream: this.up.config.id, upstreamSubmissionId: id, err: error }, 'pickup after callback failed; the next poll tries again'),
      );
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    // through trigger: a pass a callback started is never run twice at once
    this.timer = setTimeout(() => void this.trigger(), delayMs);
  }

  private runPass(): Promise<void> {
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
      this.schedule(this.up.config.pollIntervalMs);
    });
    return this.running;
  }

  private async pickUpOne(submissionId: string, listed?: SubmissionForPickup): Promise<void> {
    // a callback and a poll in this process share the work; across processes the journal decides
    if (this.inFlight.has(submissionId)) return;
    this.inFlight.add(submissionId);
    try {
      // only the list's pickups count a missing attachment; any pickup that gets them all clears the count
      const outcome = await pickUp(this.deps, this.up, submissionId, { missing: this.missing, ...(listed ? { listed } : {}) });
      if (outcome === 'picked-up') this.deps.log.info({ upstream: this.up.config.id, upstreamSubmissionId: submissionId }, 'picked up an upstream submission');
      // not a failing poll: it is in the journal with the reason and will be rejected upstream (pickUp logged why)
      if (outcome === 'refused') this.deps.log.info({ upstream: this.up.config.id, upstreamSubmissionId: submissionId }, 'took in an upstream submission to reject it');
    } finally {
      this.inFlight.delete(submissionId);
    }
  }

  private async pass(): Promise<void> {
    const { id } = this.up.config;
    const record = (outcome: Parameters<UpstreamStore['recordPoll']>[2]) =>
      this.deps.upstreams.recordPoll(id, 'fit-connect', outcome).catch((error: unknown) => this.deps.log.warn({ upstream: id, err: error }, 'cannot record the upstream poll'));
    await record({ phase: 'start' });
    const failures = new PassFailures();
    const listed = new Set<string>();
    let entries = 0;
    let complete = false;
    const listedSince = new Date();
    try {
      for await (const ref of this.up.client.readyForPickup()) {
        if (this.stopped) break;
        entries += 1;
        if ('unreadable' in ref) {
          // nothing in it to pick up or answer by: the operator sees it in the poll's error, the other entries go on
          const failure = `the upstream listed an entry that is no SubmissionForPickup (${ref.unreadable}); not picked up`;
          failures.add(failure, 'invalid-answer');
          // what made it unreadable is the far side's content: in the poll's error (admin API), not in the log
          this.deps.log.warn({ upstream: id, failureKind: 'invalid-answer' }, 'unreadable pickup list entry skipped');
          continue;
        }
        listed.add(ref.submissionId);
        if (ref.destinationId !== this.up.config.destinationId) {
          failures.add('the upstream listed a submission for another destination; not picked up', 'invalid-answer');
          continue;
        }
        // one submission that cannot be taken now does not hold up the others
        await this.pickUpOne(ref.submissionId, ref).catch((error: unknown) => {
          const kind = fitConnectFailureKind(error);
          failures.add(errorMessage(error), kind);
          this.deps.log.warn({ upstream: id, upstreamSubmissionId: ref.submissionId, failureKind: kind, err: error }, 'upstream pickup failed; the next poll tries again');
        });
      }
      // a list cut at its bound was not read to its end: the next pass reads on (what is answered is gone from it)
      complete = !this.stopped && entries < MAX_PICKUP_LIST_ENTRIES;
      if (entries >= MAX_PICKUP_LIST_ENTRIES) this.deps.log.info({ upstream: id, entries }, 'pickup list read to its bound in this pass; the rest follows in the next');
    } catch (error) {
      const kind = fitConnectFailureKind(error);
      failures.add(errorMessage(error), kind);
      this.deps.log.warn({ upstream: id, failureKind: kind, err: error }, 'upstream poll failed');
    }
    // only a list read to its end tells what is no longer ready for pickup
    if (complete) await this.missing.keepOnly(listed, listedSince).catch((error: unknown) => this.deps.log.warn({ upstream: id, err: error }, 'cannot prune the missing-attachment records'));
    const failed = failures.summary();
    await record(failed === undefined ? { phase: 'success' } : { phase: 'error', message: failed, failures: failures.byKind() });
  }
}
