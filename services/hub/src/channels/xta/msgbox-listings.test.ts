import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '@weiche/queue';
import { MsgBoxListings } from './msgbox-listings.js';

// XTA identifiers have colons in them (`dvdv:…`, `psw:…`), and the MsgBoxRequestID is the client's string: joined into
// one key with colons, identity `dvdv:amt` asking for `kasse:<id>` named the listing issued to `dvdv:amt:kasse` as `<id>`.

const redis = createRedisConnection({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const listings = new MsgBoxListings(redis, `wt_${randomBytes(5).toString('hex')}`);

afterAll(() => {
  redis.disconnect();
});

describe('MsgBoxListings', () => {
  it('a listing is its identity’s alone, also where one identifier extends another by a colon', async () => {
    const id = await listings.open('dvdv:amt:kasse', { selection: {}, limit: 10 });
    expect(await listings.read('dvdv:amt:kasse', id)).toBeDefined();
    expect(await listings.read('dvdv:amt', `kasse:${id}`)).toBeUndefined();
  });
});

describe('MsgBoxListings while Redis is away', () => {
  it('ends a request with a 9030 fault instead of waiting for Redis to come back', async () => {
    // nothing listens on the discard port: ioredis queues the commands and reconnects for ever
    const away = createRedisConnection({ url: 'redis://127.0.0.1:9' });
    away.on('error', () => undefined);
    const stranded = new MsgBoxListings(away, 'wt_away', 3600, 200);
    try {
      await expect(stranded.open('dvdv:amt', { selection: {}, limit: 10 })).rejects.toMatchObject({ fehlernummer: '9030' });
      await expect(stranded.read('dvdv:amt', 'urn:uuid:x')).rejects.toMatchObject({ fehlernummer: '9030' });
    } finally {
      away.disconnect();
    }
  }, 60_000);
});
