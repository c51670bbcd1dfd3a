import { BlockList } from 'node:net';

/**
 * IPv6 ranges whose last 32 bits are the IPv4 address a connection actually reaches: IPv4-mapped addresses
 * (::ffff:0:0/96, RFC 4291 §2.5.5.2: a dual-stack socket connects over IPv4) and the NAT64 well-known prefix
 * (64:ff9b::/96, RFC 6052 §2.1: the translator connects to the embedded address). The local-use NAT64 prefix
 * 64:ff9b:1::/48 (RFC 8215) is not among them: its translator and what it reaches are the operator's own.
 */
const EMBEDDING = new BlockList();
EMBEDDING.addSubnet('::ffff:0:0', 96, 'ipv6');
EMBEDDING.addSubnet('64:ff9b::', 96, 'ipv6');

/** The IPv4 address an IPv4-mapped or NAT64 (well-known prefix) IPv6 address leads to; undefined for any other. */
export function embeddedIpv4(ipv6: string): string | undefined {
  if (!EMBEDDING.check(ipv6, 'ipv6')) return undefined;
  // a dotted tail (::ffff:127.0.0.1) is the last 32 bits as they are
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(ipv6);
  if (dotted) return dotted[1];
  const [high = 0, low = 0] = lastTwoGroups(ipv6);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The last two 16-bit groups of an IPv6 address in hex notation, with `::` expanded. */
function lastTwoGroups(ipv6: string): number[] {
  const [head = '', tail] = ipv6.split('::');
  const headGroups = head.split(':').filter(Boolean);
  const tailGroups = tail === undefined ? [] : tail.split(':').filter(Boolean);
  const zeros: string[] = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].slice(-2).map((group) => parseInt(group, 16));
}
