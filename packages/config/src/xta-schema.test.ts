import { describe, expect, it } from 'vitest';
import { XtaAuthConfig } from './xta-schema.js';

describe('config xta.auth.trustedProxies', () => {
  it('defaults to loopback: a proxy on the same host or in the same pod', () => {
    expect(XtaAuthConfig.parse({ modes: ['proxy-header'] }).trustedProxies).toEqual(['127.0.0.1/32', '::1/128']);
  });

  it('takes addresses and CIDR blocks of both families', () => {
    const trustedProxies = ['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '2001:db8::1', '0.0.0.0/0'];
    expect(XtaAuthConfig.parse({ modes: ['proxy-header'], trustedProxies }).trustedProxies).toEqual(trustedProxies);
  });

  it('refuses what is no address or block, and an empty list', () => {
    for (const bad of ['proxy.example', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/1', '10.0.0.0/', '10.0.0.0/x', '']) {
      expect(XtaAuthConfig.safeParse({ modes: ['proxy-header'], trustedProxies: [bad] }).success, bad).toBe(false);
    }
    expect(XtaAuthConfig.safeParse({ modes: ['proxy-header'], trustedProxies: [] }).success).toBe(false);
  });
});
