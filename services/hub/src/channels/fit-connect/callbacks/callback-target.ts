import { BlockList, isIP } from 'node:net';
import { parseCallbackTarget } from '@weiche/config';
import { embeddedIpv4 } from './embedded-ipv4.js';

/**
 * Which addresses a callback may connect to. A portal names the callback URL, so without a check it could make
 * the hub connect to services behind the hub's firewall (loopback, cloud metadata at 169.254.169.254, private
 * networks). Only globally routable addresses are allowed, plus what the operator allows per sender client
 * (`senderClients[].callbackTargets`). Node's BlockList classifies; the ranges are those of the IANA IPv4 and
 * IPv6 special-purpose address registries that are not globally reachable, plus multicast and reserved space.
 */
const NOT_GLOBAL_V4 = [
  '0.0.0.0/8', // "this network", incl. the unspecified 0.0.0.0
  '10.0.0.0/8',
  '100.64.0.0/10', // shared address space (carrier-grade NAT)
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, incl. cloud metadata services
  '172.16.0.0/12',
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation
  '192.88.99.0/24', // 6to4 relay anycast (deprecated)
  '192.168.0.0/16',
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation
  '203.0.113.0/24', // documentation
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, incl. broadcast 255.255.255.255
];
/**
 * Within global unicast 2000::/3 (everything outside it is refused: ::, ::1, IPv4-compatible, fc00::/7, fe80::/10,
 * ff00::/8, …). IPv4-mapped and NAT64 addresses are judged by the IPv4 address inside (embedded-ipv4.ts).
 */
const NOT_GLOBAL_V6 = [
  '2001::/23', // IETF protocol assignments, incl. Teredo
  '2001:db8::/32', // documentation
  '2002::/16', // 6to4: an IPv4 address inside, possibly an internal one
  '3fff::/20', // documentation
];

const globalUnicastV6 = new BlockList();
globalUnicastV6.addSubnet('2000::', 3, 'ipv6');
const notGlobal = new BlockList();
for (const range of NOT_GLOBAL_V4) addRange(notGlobal, range, 'ipv4');
for (const range of NOT_GLOBAL_V6) addRange(notGlobal, range, 'ipv6');

function addRange(list: BlockList, range: string, family: 'ipv4' | 'ipv6'): void {
  const [address = '', prefix = ''] = range.split('/');
  list.addSubnet(address, Number(prefix), family);
}

interface Address {
  readonly bare: string;
  readonly family: 'ipv4' | 'ipv6';
}

/** An address without its IPv6 zone (fe80::1%eth0), and its family; undefined when it is no IP address. */
function addressOf(address: string): Address | undefined {
  const bare = address.replace(/%.*$/, '');
  const version = isIP(bare);
  return version === 0 ? undefined : { bare, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * The address a connection to `a` reaches: the IPv4 address inside an IPv4-mapped or NAT64 address (an IPv6-only
 * hub reaches IPv4 portals through NAT64, and 64:ff9b::7f00:1 is 127.0.0.1 as seen from the translator), else `a`.
 */
function reachedAddress(a: Address): Address {
  const ipv4 = a.family === 'ipv6' ? embeddedIpv4(a.bare) : undefined;
  return ipv4 === undefined ? a : { bare: ipv4, family: 'ipv4' };
}

export function isGloballyRoutable(address: string): boolean {
  const a = addressOf(address);
  return a !== undefined && isGlobal(reachedAddress(a));
}

function isGlobal(a: Address): boolean {
  if (a.family === 'ipv6' && !globalUnicastV6.check(a.bare, 'ipv6')) return false;
  return !notGlobal.check(a.bare, a.family);
}

/** The address a URL names literally (`https://10.0.0.1/`, `https://[::1]/`), or undefined for a host name. */
export function literalAddress(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) === 0 ? undefined : host;
}

/** Decides for one callback URL of one sender client whether it may connect to an address. */
export type TargetCheck = (address: string) => boolean;

/**
 * The check for `url` under a sender client's `callbackTargets`: an allowed origin (scheme, host, port as the URL
 * names them) may connect wherever its name resolves to, an allowed range admits its addresses for any URL;
 * everything else must be globally routable.
 */
export function targetCheck(callbackTargets: readonly string[], url: URL): TargetCheck {
  const allowed = new BlockList();
  for (const entry of callbackTargets) {
    const target = parseCallbackTarget(entry);
    if ('error' in target) continue; // validated with the config
    if (target.kind === 'origin' && target.origin === url.origin) return () => true;
    if (target.kind === 'cidr') allowed.addSubnet(target.address, target.prefix, target.family);
  }
  return (address) => {
    const a = addressOf(address);
    if (a === undefined) return false;
    const reached = reachedAddress(a);
    // an allowed range admits the address as connected to (fd00::/8, 64:ff9b::/96) or as reached (10.20.0.0/16)
    return isGlobal(reached) || allowed.check(a.bare, a.family) || allowed.check(reached.bare, reached.family);
  };
}

/** Why a callback may not connect to `address`, for the sender's 400 problem and for operators. */
export function refusalOf(host: string, address: string): string {
  const named = host === address ? address : `${host} (${address})`;
  return `callback target refused: ${named} is not a globally routable address and not allowed for this sender client (senderClients[].callbackTargets)`;
}
