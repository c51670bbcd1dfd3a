import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Secret } from '@weiche/core';
import { callbackHeaders, verifyCallback } from './callback.js';

const SECRET = 'insecure_unsafe_qHScgrg_kP-R31jHUwp3GkVkGJolvBchz65b74Lzue0';
const BODY = '{"type":"https://schema.fitko.de/fit-connect/callbacks/new-submissions","submissionIds":["x"]}';
const NOW = new Date('2024-05-01T10:00:00Z');

describe('callbackHeaders', () => {
  it('is hex HMAC-SHA512 over "<timestamp>.<body>" with epoch seconds', () => {
    const h = callbackHeaders(SECRET, BODY, NOW);
    expect(h['callback-timestamp']).toBe('1714557600');
    expect(h['callback-authentication']).toBe(createHmac('sha512', SECRET).update(`1714557600.${BODY}`).digest('hex'));
    expect(h['callback-authentication']).toMatch(/^[0-9a-f]{128}$/);
    expect(callbackHeaders(new Secret(SECRET), BODY, NOW)).toEqual(h);
  });
});

describe('verifyCallback', () => {
  const headers = callbackHeaders(SECRET, BODY, NOW);

  it('accepts a fresh, correctly signed callback', () => {
    expect(verifyCallback({ secret: SECRET, body: BODY, headers, now: new Date(NOW.getTime() + 60_000) })).toEqual({ ok: true });
  });

  it('refuses timestamps further in the future than maxFutureSeconds', () => {
    const early = new Date(NOW.getTime() - 61_000);
    expect(verifyCallback({ secret: SECRET, body: BODY, headers, now: early, maxFutureSeconds: 60 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyCallback({ secret: SECRET, body: BODY, headers, now: new Date(NOW.getTime() - 59_000), maxFutureSeconds: 60 })).toEqual({ ok: true });
    expect(verifyCallback({ secret: SECRET, body: BODY, headers, now: early })).toEqual({ ok: true });
  });

  it('rejects callbacks older than 5 minutes', () => {
    expect(verifyCallback({ secret: SECRET, body: BODY, headers, now: new Date(NOW.getTime() + 301_000) })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyCallback({ secret: SECRET, body: BODY, headers, now: new Date(NOW.getTime() + 299_000) }).ok).toBe(true);
  });

  it('rejects a changed body, a wrong secret or a moved timestamp', () => {
    expect(verifyCallback({ secret: SECRET, body: BODY + ' ', headers, now: NOW })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyCallback({ secret: 'x'.repeat(40), body: BODY, headers, now: NOW }).ok).toBe(false);
    const moved = { ...headers, 'callback-timestamp': String(Number(headers['callback-timestamp']) + 1) };
    expect(verifyCallback({ secret: SECRET, body: BODY, headers: moved, now: NOW })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects missing headers', () => {
    expect(verifyCallback({ secret: SECRET, body: BODY, headers: {}, now: NOW })).toEqual({ ok: false, reason: 'missing-headers' });
  });
});
