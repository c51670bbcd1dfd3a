import { describe, expect, it } from 'vitest';
import { isGloballyRoutable, literalAddress, targetCheck } from './callback-target.js';

describe('callback target addresses', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '0.0.0.0',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.178.1',
    '169.254.169.254',
    '100.64.0.1',
    '192.0.0.8',
    '198.18.0.1',
    '203.0.113.7',
    '224.0.0.251',
    '239.255.255.250',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::127.0.0.1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'fec0::1',
    'ff02::1',
    '64:ff9b::a00:1',
    '64:ff9b::7f00:1',
    '64:ff9b::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b::',
    '64:ff9b:1::808:808', // the local-use NAT64 prefix (RFC 8215) is no global address
    '64:ff9b::1:808:808', // outside 64:ff9b::/96
    '::808:808', // IPv4-compatible (deprecated), not mapped
    '2001:db8::1',
    '2002:7f00:1::1',
    '2001:0:4136:e378::1',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isGloballyRoutable(address)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2a00:1450:4001:82b::200e', '2606:4700:4700::1111'])('allows %s', (address) => {
    expect(isGloballyRoutable(address)).toBe(true);
  });

  // an IPv6-only hub reaches IPv4 portals through NAT64 (RFC 6052); a dual-stack socket reaches a mapped address over IPv4
  it.each(['64:ff9b::808:808', '64:ff9b::8.8.8.8', '64:FF9B:0:0:0:0:0808:0808', '64:ff9b::5db8:d822', '::ffff:8.8.8.8', '::ffff:808:808'])(
    'allows %s by the global IPv4 address inside',
    (address) => {
      expect(isGloballyRoutable(address)).toBe(true);
    },
  );

  it('reads the address a URL names literally', () => {
    expect(literalAddress(new URL('https://127.0.0.1:6379/x'))).toBe('127.0.0.1');
    expect(literalAddress(new URL('https://[::1]/x'))).toBe('::1');
    // the URL parser's IPv4 forms end up as the dotted address
    expect(literalAddress(new URL('https://0x7f000001/x'))).toBe('127.0.0.1');
    expect(literalAddress(new URL('https://2130706433/x'))).toBe('127.0.0.1');
    expect(literalAddress(new URL('https://portal.example/x'))).toBeUndefined();
  });
});

describe('callbackTargets of a sender client', () => {
  const url = new URL('https://portal.intern.example:8443/callbacks');

  it('allows only global addresses without an entry', () => {
    const permits = targetCheck([], url);
    expect(permits('8.8.8.8')).toBe(true);
    expect(permits('10.0.0.5')).toBe(false);
  });

  it('allows any address for an origin that matches scheme, host and port', () => {
    expect(targetCheck(['https://portal.intern.example:8443'], url)('10.0.0.5')).toBe(true);
    expect(targetCheck(['https://PORTAL.intern.example:8443/'], url)('127.0.0.1')).toBe(true);
    expect(targetCheck(['https://portal.intern.example'], url)('10.0.0.5')).toBe(false);
    expect(targetCheck(['https://other.intern.example:8443'], url)('10.0.0.5')).toBe(false);
    expect(targetCheck(['https://portal.intern.example'], new URL('https://portal.intern.example:443/cb'))('10.0.0.5')).toBe(true);
  });

  it('allows the addresses of a range, for any host', () => {
    const permits = targetCheck(['10.20.0.0/16', 'fd00:1::/32', '192.168.7.9'], url);
    expect(permits('10.20.30.40')).toBe(true);
    expect(permits('10.21.0.1')).toBe(false);
    expect(permits('fd00:1:2::3')).toBe(true);
    expect(permits('fd00:2::3')).toBe(false);
    expect(permits('192.168.7.9')).toBe(true);
    expect(permits('192.168.7.10')).toBe(false);
    expect(permits('127.0.0.1')).toBe(false);
  });

  it('judges NAT64 and IPv4-mapped addresses by the IPv4 address inside, against the ranges too', () => {
    const permits = targetCheck(['10.20.0.0/16'], url);
    expect(permits('64:ff9b::a14:1e28')).toBe(true); // 10.20.30.40
    expect(permits('::ffff:10.20.30.40')).toBe(true);
    expect(permits('64:ff9b::a15:1')).toBe(false); // 10.21.0.1
    expect(permits('64:ff9b::7f00:1')).toBe(false);
    expect(targetCheck(['64:ff9b::/96'], url)('64:ff9b::7f00:1')).toBe(true);
  });
});
