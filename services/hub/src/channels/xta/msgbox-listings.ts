import { createHash, randomUUID } from 'node:crypto';
import { hubKey, type RedisConnection } from '@weiche/queue';
import { xtaError } from '@weiche/xta';
import { withTimeout } from '../../timeout.js';
import { decodeContinuation, encodeContinuation, type MsgBoxContinuation } from './msgbox-request-id.js';

/** How long a listing is kept after its last use: a client pages through its box in minutes, not hours. */
export const LISTING_TTL_SECONDS = 3600;
/** How long a request waits for Redis: ioredis queues commands while Redis is away, and the client must not hang. */
export const LISTING_TIMEOUT_MS = 2000;

// compare-and-set: the position moves on only from the one this request read, so two requests with the same id at
// the same moment (on two replicas) do not both answer the same page
const ADVANCE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end return 0`;

/** A listing read back: what it continues, and the stored form to advance it from. */
export interface Listing {
  readonly continuation: MsgBoxContinuation;
  readonly stored: string;
}

/**
 * The listings of the message box (OSCI MsgBoxRequestID): a getStatusList or getMessage opens one, its id names it in
 * every answer under it, and each getNextStatusList / getNextMessage with that id continues after the last entry
 * delivered under it — whether the client sends the first answer's id every time (OSCI: the id identifies the
 * request) or each answer's (the same id). The state is in Redis with a TTL, not in the id: the id alone cannot know
 * what was delivered after it was issued, and every replica must continue it. Keyed by the caller's identity, so
 * another identity's id names nothing. A lost listing (expired, closed, Redis emptied) is RequestIdInvalid: the client starts
 * again with getStatusList, and unclosed messages are offered again anyway.
 */
export class MsgBoxListings {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly ttlSeconds = LISTING_TTL_SECONDS,
    private readonly timeoutMs = LISTING_TIMEOUT_MS,
  ) {}

  /** A Redis command bounded in time: while Redis is away the request ends with a technical fault (9030), as for the journal. */
  private async bounded<T>(command: Promise<T>): Promise<T> {
    try {
      return await withTimeout(command, this.timeoutMs, 'message box listing');
    } catch (error) {
      throw xtaError('INTERNAL_ERROR', 'the message box cannot reach its listings (Redis) right now; try again later', { cause: error });
    }
  }

  // both parts hashed together: identifiers hold colons (`dvdv:…`) and the id is the client's string, so joined with
  // colons `a` + `b:<id>` would name `a:b` + `<id>`; the hash also keeps a long id out of the key
  private key(identity: string, id: string): string {
    return hubKey(this.prefix, 'xta-msgbox-listing', createHash('sha256').update(JSON.stringify([identity, id])).digest('hex'));
  }

  /** Opens a listing at `c` and returns its MsgBoxRequestID. */
  async open(identity: string, c: MsgBoxContinuation): Promise<string> {
    const id = `urn:uuid:${randomUUID()}`;
    await this.bounded(this.redis.set(this.key(identity, id), encodeContinuation(c), 'EX', this.ttlSeconds));
    return id;
  }

  /** The listing an id names for this identity; undefined for one not issued to it, or expired. */
  async read(identity: string, id: string): Promise<Listing | undefined> {
    const stored = await this.bounded(this.redis.get(this.key(identity, id)));
    const continuation = stored === null ? undefined : decodeContinuation(stored);
    return continuation && stored !== null ? { continuation, stored } : undefined;
  }

  /** Ends the listing an id names (a close of its request); an id that names none is no error. */
  async end(identity: string, id: string): Promise<void> {
    await this.bounded(this.redis.del(this.key(identity, id)));
  }

  /** Moves the listing on to `next` if it still stands where `from` was read; false when another request moved it first. */
  async advance(identity: string, id: string, from: Listing, next: MsgBoxContinuation): Promise<boolean> {
    return (await this.bounded(this.redis.eval(ADVANCE, 1, this.key(identity, id), from.stored, encodeContinuation(next), this.ttlSeconds))) === 1;
  }
}
