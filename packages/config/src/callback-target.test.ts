import { describe, expect, it } from 'vitest';
import { parseCallbackTarget } from './callback-target.js';
import { resolveConfig } from './load.js';
import { validConfigInput } from './test-fixtures.js';

const withTargets = (callbackTargets: unknown) => ({ ...validConfigInput, senderClients: [{ ...validConfigInput.senderClients[0]!, callbackTargets }] });

describe('senderClients[].callbackTargets', () => {
  it('is empty unless given', () => {
    expect(resolveConfig(withTargets(undefined), { env: {} }).senderClients[0]?.callbackTargets).toEqual([]);
  });

  it('takes https origins and address ranges', () => {
    const targets = ['https://portal.intern.example:8443', 'https://Portal.Intern.Example/', '10.20.0.0/16', '192.168.7.9', 'fd00::/8'];
    expect(resolveConfig(withTargets(targets), { env: {} }).senderClients[0]?.callbackTargets).toEqual(targets);
    expect(parseCallbackTarget('https://Portal.Intern.Example:443/')).toEqual({ kind: 'origin', origin: 'https://portal.intern.example' });
    expect(parseCallbackTarget('10.20.0.0/16')).toEqual({ kind: 'cidr', address: '10.20.0.0', prefix: 16, family: 'ipv4' });
    expect(parseCallbackTarget('192.168.7.9')).toEqual({ kind: 'cidr', address: '192.168.7.9', prefix: 32, family: 'ipv4' });
    expect(parseCallbackTarget('fd00::/8')).toEqual({ kind: 'cidr', address: 'fd00::', prefix: 8, family: 'ipv6' });
  });

  it.each([
    ['http origin', 'http://portal.intern.example'],
    ['origin with a path', 'https://portal.intern.example/callbacks'],
    ['origin with credentials', 'https://user:pw@portal.intern.example'],
    ['host name alone', 'portal.intern.example'],
    ['prefix too long', '10.0.0.0/33'],
    ['prefix not a number', '10.0.0.0/x'],
    ['IPv6 prefix too long', 'fd00::/129'],
    ['not an address', '10.0.0/8'],
  ])('refuses %s with the path of the entry', (_name, entry) => {
    expect(() => resolveConfig(withTargets([entry]), { env: {} })).toThrow(/senderClients\.0\.callbackTargets\.0/);
  });
});
