import type { UpstreamFailureCounts } from '@weiche/journal';
import type { UpstreamFailureKind } from './failure-kinds.js';

/** Causes of failure (messages with ids masked) a pass's summary names one by one; more are counted together. */
const MAX_CAUSES = 3;
/** Characters of a cause, and of the last message, in the summary (the status keeps 500 in all). */
const CAUSE_CHARS = 80;
const LAST_CHARS = 150;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

const cut = (text: string, chars: number): string => (text.length > chars ? `${text.slice(0, chars - 1)}…` : text);

/**
 * The failures of one poll pass, for the upstream's status: a pass with several different failures (one submission's
 * answer off the API, another's attachment 503) showed only the last. Kept bounded: how many of each cause (the message
 * with its ids masked, so one cause is one whichever submission met it) — the first MAX_CAUSES by name, the rest
 * counted together — and the last message. The messages name calls, statuses and schema complaints, never content.
 * Each failure is counted by its kind too (failure-kinds.ts), for weiche_upstream_failures_total.
 */
export class PassFailures {
  private readonly causes = new Map<string, number>();
  private readonly kinds = new Map<UpstreamFailureKind, number>();
  private others = 0;
  private count = 0;
  private last: string | undefined;

  add(message: string, kind: UpstreamFailureKind): void {
    const cause = cut(message.replace(UUID, '…'), CAUSE_CHARS);
    const seen = this.causes.get(cause);
    if (seen !== undefined || this.causes.size < MAX_CAUSES) this.causes.set(cause, (seen ?? 0) + 1);
    else this.others += 1;
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    this.count += 1;
    this.last = message;
  }

  /** The poll's error: the one message of a pass that failed once; else the count per cause and the last; undefined for none. */
  summary(): string | undefined {
    if (this.last === undefined) return undefined;
    if (this.count === 1) return this.last;
    const causes = [...this.causes].map(([cause, n]) => `${n}× ${cause}`);
    if (this.others > 0) causes.push(`${this.others}× other`);
    return `${this.count} failures in this pass: ${causes.join('; ')} — last: ${cut(this.last, LAST_CHARS)}`;
  }

  /** How many failures of each kind the pass met (kinds it did not meet are absent). */
  byKind(): UpstreamFailureCounts {
    return Object.fromEntries(this.kinds);
  }
}
