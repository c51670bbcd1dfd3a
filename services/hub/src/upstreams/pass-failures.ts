/** Kinds of failure a pass's summary names one by one; more are counted together. */
const MAX_KINDS = 3;
/** Characters of a kind, and of the last message, in the summary (the status keeps 500 in all). */
const KIND_CHARS = 80;
const LAST_CHARS = 150;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

const cut = (text: string, chars: number): string => (text.length > chars ? `${text.slice(0, chars - 1)}…` : text);

/**
 * The failures of one poll pass, for the upstream's status: a pass with several different failures (one submission's
 * answer off the API, another's attachment 503) showed only the last. Kept bounded: how many of each kind (the message
 * with its ids masked, so one kind is one cause whichever submission met it) — the first MAX_KINDS by name, the rest
 * counted together — and the last message. The messages name calls, statuses and schema complaints, never content.
 */
export class PassFailures {
  private readonly kinds = new Map<string, number>();
  private others = 0;
  private count = 0;
  private last: string | undefined;

  add(message: string): void {
    const kind = cut(message.replace(UUID, '…'), KIND_CHARS);
    const seen = this.kinds.get(kind);
    if (seen !== undefined || this.kinds.size < MAX_KINDS) this.kinds.set(kind, (seen ?? 0) + 1);
    else this.others += 1;
    this.count += 1;
    this.last = message;
  }

  /** The poll's error: the one message of a pass that failed once; else the count per kind and the last; undefined for none. */
  summary(): string | undefined {
    if (this.last === undefined) return undefined;
    if (this.count === 1) return this.last;
    const kinds = [...this.kinds].map(([kind, n]) => `${n}× ${kind}`);
    if (this.others > 0) kinds.push(`${this.others}× other`);
    return `${this.count} failures in this pass: ${kinds.join('; ')} — last: ${cut(this.last, LAST_CHARS)}`;
  }
}
