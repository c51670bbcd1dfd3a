import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { XtaUpstreamConfig } from '@weiche/config';
import { ErrorCode, errorMessage, isWeicheError } from '@weiche/core';
import { MANY_RECLOSES, type Journal, type UpstreamPollOutcome, type UpstreamStore } from '@weiche/journal';
import {
  buildCheckAccountActiveRequest,
  buildCloseRequest,
  buildFetchRequest,
  buildStatusListRequest,
  isXtaFault,
  parseEmptyResponse,
  parseFetchResponse,
  parseStatusListResponse,
  XTA_ERRORS,
  type StatusListItem,
  type XtaCaller,
  type XtaLimits,
} from '@weiche/xta';
import { PassFailures } from '../../../upstreams/pass-failures.js';
import { xtaFailureKind } from './failure-kind.js';
import { XTA_UPSTREAM_CHANNEL, xtaUpstreamRef } from './meta.js';
import type { XtaSoapHttpClient } from './soap-http-client.js';
import { overSubmissionLimit, overSubmissionLimitReason } from '../submission-limit.js';
import { takeIn, takeInRefused, type TakeInDeps } from './take-in.js';

/** Entries asked for per getStatusList beyond those that failed in this poll; a fuller box is worked off in further rounds. */
const MAX_LIST_ITEMS = 50;
/** Upper bound of one status list, so entries that keep failing at the head of the box cannot hide the rest from a poll. */
const MAX_LIST_CAP = 1000;
const MAX_ROUNDS = 20;
/** Audit stage of a close upstream (the channel's evidence record names each). */
export const UPSTREAM_CLOSE_STAGE = 'upstream-close';
/** Re-closes of an entry the intermediary keeps listing back off to about this long at most. */
const MAX_RECLOSE_INTERVAL_MS = 60 * 60 * 1000;

export interface PollerDeps extends TakeInDeps {
  readonly journal: Pick<Journal, 'createSubmission' | 'findByChannelRef' | 'audit'>;
  /** The upstream bookkeeping (poll lock, last poll, success and error; the closes of box entries). */
  readonly upstreams: Pick<UpstreamStore, 'withPollLock' | 'recordPoll' | 'closes' | 'recordClose' | 'recordReclose' | 'pruneCloses'>;
  readonly http: XtaSoapHttpClient;
  /** The client's answer bound already lowered to `submissionBytes` where that is tighter (xtaLimitsWithin). */
  readonly limits: XtaLimits & { readonly bodyBySubmissionLimit?: boolean };
  /** The operator's `limits.submissionBytes`: a message over it is refused at pickup, as the FIT-Connect upstream does. */
  readonly submissionBytes: number;
  readonly log: Logger;
}

/** What one poll did (for logs and tests). */
export interface PollOutcome {
  /** Another replica held the box's poll lock: this one did nothing. */
  readonly skipped: boolean;
  readonly taken: number;
  readonly closed: number;
  /** Entries listed again after their close whose close was sent again (the intermediary lost or ignored it). */
  readonly reclosed: number;
  readonly failed: number;
  /** Entries left in the box that this poll could not take in (failed, or beyond what it listed). */
  readonly waitingUpstream: number;
}

const isUnknownMessageId = (error: unknown): boolean => isXtaFault(error) && error.fehlernummer === XTA_ERRORS.UNKNOWN_MESSAGE_ID.code;
/** An answer over the hub's body limit (XtaSoapHttpClient): it is as large on every try. */
const isTooLarge = (error: unknown): boolean => isWeicheError(error) && error.code === ErrorCode.PAYLOAD_TOO_LARGE;
/** A container over `maxContainerBytes` (fault 9023 of the container's reading). */
const isContainerTooLarge = (fault: { readonly fehlernummer: string }): boolean => fault.fehlernummer === XTA_ERRORS.MESSAGE_TOO_LARGE.code;

/** When a listed message reached the box (DeliveryAttributes Delivery, else InitialSend, else Origin). */
function waitingSince(item: StatusListItem): Date | undefined {
  if (!('messageMetaData' in item)) return undefined;
  const d = item.messageMetaData.deliveryAttributes;
  const at = d.delivery ?? d.initialSend ?? d.origin;
  const time = at === undefined ? NaN : Date.parse(at);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/**
 * Polls one upstream XTA message box (issue 10, "XTA 2 client"): getStatusList for the reader, getMessage per
 * MessageID not yet in the journal, and close once the message is durable — so a crash anywhere before the close
 * leaves the entry in the box, and the next poll finds the journal row and only closes it. One replica polls a
 * box at a time (UpstreamStore.withPollLock), so two replicas neither fetch nor close anything twice.
 */
export class XtaUpstreamPoller {
  private readonly caller: XtaCaller;
  private accountChecked = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly deps: PollerDeps,
    readonly upstream: XtaUpstreamConfig,
  ) {
    // PartyIdentifierType needs a @type; XTA's own party type for a reader's identifier
    this.caller = { author: { type: 'xoev', value: upstream.reader }, to: upstream.msgBoxUrl };
  }

  /** Polls at once, then `pollIntervalMs` after each poll ends. */
  start(): void {
    const tick = (): void => {
      this.running = this.pollOnce()
        .catch((error: unknown) => this.deps.log.warn({ upstream: this.upstream.id, ...failureFields(error) }, 'xta upstream poll failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.upstream.pollIntervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling; a poll under way finishes first (it holds fetched messages that must be taken in or left in the box). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One poll under the box's lock; its failures are recorded for the operator as one summary (PassFailures, as the
   * FIT-Connect upstream does): a poll that ends in an error names the entries that failed before it too.
   */
  async pollOnce(): Promise<PollOutcome> {
    const result = await this.deps.upstreams.withPollLock(this.upstream.id, async () => {
      await this.record({ phase: 'start' });
      const failures = new PassFailures();
      try {
        return await this.poll(failures);
      } catch (error) {
        failures.add(errorMessage(error), xtaFailureKind(error));
        await this.record({ phase: 'error', message: failures.summary() ?? errorMessage(error), failures: failures.byKind() });
        throw error;
      }
    });
    if (result.locked) return result.value;
    this.deps.log.debug({ upstream: this.upstream.id }, 'xta upstream poll skipped: another replica polls this box');
    return { skipped: true, taken: 0, closed: 0, reclosed: 0, failed: 0, waitingUpstream: 0 };
  }

  private record(outcome: UpstreamPollOutcome): Promise<void> {
    return this.deps.upstreams.recordPoll(this.upstream.id, 'xta', outcome);
  }

  private async poll(failures: PassFailures): Promise<PollOutcome> {
    const { http, limits } = this.deps;
    if (!this.accountChecked) {
      // ManagementPort: a locked or unknown account is reported as such, not as an empty box
      parseEmptyResponse(await http.post(this.upstream.managementUrl, buildCheckAccountActiveRequest({ ...this.caller, to: this.upstream.managementUrl })), limits);
      this.accountChecked = true;
    }
    const failed = new Map<string, Date | undefined>();
    // every MessageID once per poll: a box that lists one twice (in one answer or again in a later round) would
    // otherwise get a second close and the journal a second upstream-close record
    const seen = new Set<string>();
    let taken = 0;
    let closed = 0;
    let reclosed = 0;
    let itemsPending = 0;
    // entries whose close the journal holds, listed again all the same (an intermediary that lost the close, or keeps listing them)
    let listedAfterClose = 0;
    await this.deps.upstreams.pruneCloses(this.upstream.id);
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      // closed entries leave the box; the ones that failed stay at its head, and so do the ones an intermediary keeps
      // listing after their close: ask for that many more, or a head of them hides every entry behind it
      const size = Math.min(MAX_LIST_CAP, failed.size + listedAfterClose + MAX_LIST_ITEMS);
      const list = parseStatusListResponse(await http.post(this.upstream.msgBoxUrl, buildStatusListRequest(this.caller, size)), limits);
      const box = list.msgBoxResponse;
      itemsPending = box && 'itemsPending' in box ? box.itemsPending : 0;
      let fresh = 0;
      // one look-up per list, not per entry: which of the listed entries the hub closed before
      const closes = await this.deps.upstreams.closes(this.upstream.id, list.items.map((i) => i.messageId));
      for (const item of list.items) {
        if (seen.has(item.messageId)) continue;
        seen.add(item.messageId);
        fresh += 1;
        const close = closes.get(item.messageId);
        try {
          if (close) {
            listedAfterClose += 1;
            if (!close.due) continue;
            await this.reclose(item.messageId, box?.requestId);
            reclosed += 1;
            continue;
          }
          const done = await this.takeInAndClose(item, box?.requestId);
          if (done.taken) taken += 1;
          if (done.closed) closed += 1;
        } catch (error) {
          failed.set(item.messageId, waitingSince(item));
          // MessageIDs are no personal data; the reason names the fault or the transport problem
          failures.add(`message ${item.messageId}: ${errorMessage(error)}`, xtaFailureKind(error));
          // a failed re-close: taken in already, the close is tried again on the next poll (its backoff is not advanced)
          const what = close ? 'xta upstream message taken in before not closed again; it stays in the box' : 'xta upstream message not taken in; it stays in the box';
          this.deps.log.warn({ upstream: this.upstream.id, xtaMessageId: item.messageId, ...failureFields(error) }, what);
        }
      }
      if (fresh === 0 || itemsPending === 0) break;
    }
    const waiting = [...failed.values()].filter((d): d is Date => d !== undefined);
    const since = waiting.length > 0 ? new Date(Math.min(...waiting.map((d) => d.getTime()))) : undefined;
    const waitingUpstream = failed.size + itemsPending;
    // a poll with an entry that failed is a failed poll (the operator's lastError, weiche_upstream_poll_failing)
    const summary = failures.summary();
    const left = { count: waitingUpstream, since };
    await this.record(summary === undefined ? { phase: 'success', waitingUpstream: left } : { phase: 'error', message: summary, waitingUpstream: left, failures: failures.byKind() });
    if (taken > 0 || reclosed > 0 || failed.size > 0) this.deps.log.info({ upstream: this.upstream.id, taken, closed, reclosed, failed: failed.size, waitingUpstream }, 'xta upstream polled');
    return { skipped: false, taken, closed, reclosed, failed: failed.size, waitingUpstream };
  }

  /**
   * getMessage and take the message in; undefined when the box no longer holds it. An answer over the hub's limit
   * would be just as large on every poll: the message is taken in refused (to be rejected) under its listed
   * MessageMetaData, and closed like any other; listed without one, it stays in the box with the error.
   */
  private async fetchAndTakeIn(item: StatusListItem): Promise<{ taken: boolean; requestId?: string } | undefined> {
    const { http, limits } = this.deps;
    const overContainerLimit = `Die Nachricht überschreitet die Größengrenze des Empfängers (Inhaltscontainer höchstens ${limits.maxContainerBytes} Bytes).`;
    let fetched;
    let raw: Buffer;
    try {
      const response = await http.post(this.upstream.msgBoxUrl, buildFetchRequest(this.caller, item.messageId));
      raw = response.body;
      fetched = parseFetchResponse(response, limits);
    } catch (error) {
      if (isUnknownMessageId(error)) return undefined;
      if (!isTooLarge(error) || !('messageMetaData' in item)) throw error;
      const reason = limits.bodyBySubmissionLimit ? overSubmissionLimitReason(this.deps.submissionBytes) : overContainerLimit;
      return { taken: (await takeInRefused(this.deps, this.upstream, item.messageMetaData, reason)).created };
    }
    // content that breaks the profile is taken in under the MessageMetaData the box listed it with
    const messageMetaData = fetched.messageMetaData ?? ('messageMetaData' in item ? item.messageMetaData : undefined);
    // an answer within the body bound whose container is over the limit (binary MTOM parts) is as large on every
    // fetch as one over the bound: refused for its size like that one, not kept as content that breaks the profile
    if (fetched.kind === 'unreadable' && isContainerTooLarge(fetched.problem) && messageMetaData) {
      return { taken: (await takeInRefused(this.deps, this.upstream, messageMetaData, overContainerLimit)).created };
    }
    if (!messageMetaData) throw new Error(`getMessage answer unreadable and listed without MessageMetaData: ${fetched.kind === 'unreadable' ? fetched.problem.message : ''}`);
    if (messageMetaData.messageId !== item.messageId) throw new Error(`getMessage answered MessageID ${messageMetaData.messageId} instead`);
    // within the answer bound, yet over the submission limit: refused like the FIT-Connect upstream, nothing kept
    if (fetched.kind === 'message' && overSubmissionLimit(fetched.container, this.deps.submissionBytes)) {
      return { taken: (await takeInRefused(this.deps, this.upstream, messageMetaData, overSubmissionLimitReason(this.deps.submissionBytes))).created };
    }
    const taken = (await takeIn(this.deps, this.upstream, { ...fetched, messageMetaData }, raw)).created;
    return { taken, ...(fetched.msgBoxResponse?.requestId !== undefined ? { requestId: fetched.msgBoxResponse.requestId } : {}) };
  }

  /** close for the reader's entry; a close answered 9070 (the entry gone already: a repeated close after a crash) counts as done. */
  private async close(messageId: string, requestId: string | undefined): Promise<void> {
    const { http, limits } = this.deps;
    try {
      parseEmptyResponse(await http.post(this.upstream.msgBoxUrl, buildCloseRequest(this.caller, requestId ?? `urn:uuid:${randomUUID()}`, [messageId])), limits);
    } catch (error) {
      if (!isUnknownMessageId(error)) throw error;
    }
  }

  /**
   * getMessage unless the journal already holds it, then close; nothing is closed that is not durable. The close is
   * audited and recorded in the upstream store once, so a listing after it finds it there (reclose), not here.
   */
  private async takeInAndClose(item: StatusListItem, listRequestId: string | undefined): Promise<{ taken: boolean; closed: boolean }> {
    const { journal, upstreams } = this.deps;
    const ref = xtaUpstreamRef(this.upstream.reader, item.messageId);
    let requestId = listRequestId;
    let taken = false;
    const existing = await journal.findByChannelRef(XTA_UPSTREAM_CHANNEL, ref);
    if (!existing) {
      const done = await this.fetchAndTakeIn(item);
      // closed meanwhile (by whoever else reads this box): nothing left to take in
      if (!done) return { taken: false, closed: false };
      taken = done.taken;
      requestId = done.requestId ?? requestId;
    }
    await this.close(item.messageId, requestId);
    const row = existing ?? (await journal.findByChannelRef(XTA_UPSTREAM_CHANNEL, ref));
    // the record first: a crash between the two costs a second record at the next listing, never a missing one
    await journal.audit({ ...(row ? { submissionId: row.submissionId } : {}), actor: `xta-upstream:${this.upstream.id}`, stage: UPSTREAM_CLOSE_STAGE, details: { upstream: this.upstream.id, xtaMessageId: item.messageId } });
    await upstreams.recordClose(this.upstream.id, item.messageId);
    return { taken, closed: true };
  }

  /**
   * An entry listed again after its close, its backoff run out: the intermediary lost the close (its answer got lost,
   * it crashed, it ignores it). It is closed again — never fetched again — with no new audit record (the take-in
   * has its one); the next re-close waits twice as many polls, up to about an hour. Told the operator from
   * MANY_RECLOSES on (a warning; closeNotTaken in the admin API, weiche_upstream_close_not_taken).
   */
  private async reclose(messageId: string, requestId: string | undefined): Promise<void> {
    await this.close(messageId, requestId);
    const maxPolls = MAX_RECLOSE_INTERVAL_MS / Math.max(1, this.upstream.pollIntervalMs);
    const recloses = await this.deps.upstreams.recordReclose(this.upstream.id, messageId, maxPolls);
    const fields = { upstream: this.upstream.id, xtaMessageId: messageId, recloses };
    if (recloses >= MANY_RECLOSES) this.deps.log.warn(fields, 'xta upstream entry still listed after repeated closes; the intermediary does not take its close');
    else this.deps.log.info(fields, 'xta upstream entry listed after its close, closed again');
  }
}

/**
 * What the log says about a failed call to the XTA server: the kind of failure, the Fehlernummer and exception of a
 * fault, the error's facts. Not the fault's text: the server writes it, and may quote the message it refuses; it
 * is in the upstream's poll record (admin API) for the operator.
 */
function failureFields(error: unknown): Record<string, unknown> {
  return { failureKind: xtaFailureKind(error), ...(isXtaFault(error) ? { fault: error.fehlernummer, faultKind: error.kind } : {}), err: error };
}
