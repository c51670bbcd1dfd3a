import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * One entry of `senderClients[].callbackTargets` (docs/callbacks.md): where a sender's callbacks may go although
 * the address is not globally routable (a portal in the municipal network). Either an https origin — that host
 * and port, whatever its name resolves to — or an address range in CIDR notation (a bare address is one host).
 */
export type ParsedCallbackTarget =
  | { readonly kind: 'origin'; readonly origin: string }
  | { readonly kind: 'cidr'; readonly address: string; readonly prefix: number; readonly family: 'ipv4' | 'ipv6' };

const EXPECTED = 'expected an https origin (https://host[:port]) or an address range (10.20.0.0/16, fd00::/8)';

export function parseCallbackTarget(value: string): ParsedCallbackTarget | { readonly error: string } {
  if (value.startsWith('https://')) {
    if (!URL.canParse(value)) return { error: `not a URL: ${EXPECTED}` };
    const url = new URL(value);
    // an origin only: a path or credentials would suggest a narrower allowance than the one given
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
      return { error: `an origin has no path, query or credentials: ${EXPECTED}` };
    }
    return { kind: 'origin', origin: url.origin };
  }
  const [address = '', prefixText, extra] = value.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return { error: EXPECTED };
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return { error: `the prefix length must be 0 to ${bits}: ${EXPECTED}` };
  return { kind: 'cidr', address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export const CallbackTarget = z.string().superRefine((value, ctx) => {
  const parsed = parseCallbackTarget(value);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
});
