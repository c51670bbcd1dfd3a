import { describe, expect, it } from 'vitest';
import { formatDistinguishedName, parseDistinguishedName, sameDistinguishedName } from './distinguished-name.js';

const issuer = [
  { oid: '2.5.4.6', value: 'DE' },
  { oid: '2.5.4.10', value: 'Stadt Musterhausen, Amt 63' },
  { oid: '2.5.4.3', value: 'OSCI  Leser' },
];

describe('distinguished names', () => {
  it('formats RFC 4514 (most specific first, escaped) and parses it back', () => {
    const dn = formatDistinguishedName(issuer);
    expect(dn).toBe('CN=OSCI  Leser,O=Stadt Musterhausen\\, Amt 63,C=DE');
    expect(parseDistinguishedName(dn)).toEqual([...issuer].reverse());
  });

  it('matches by meaning: spacing, case, RDN order, OID spelling and hex escapes', () => {
    expect(sameDistinguishedName('cn=osci leser, o=Stadt Musterhausen\\, Amt 63, c=de', issuer)).toBe(true);
    expect(sameDistinguishedName('C=DE; OID.2.5.4.10=Stadt Musterhausen\\2C Amt 63; 2.5.4.3=OSCI Leser', issuer)).toBe(true);
    expect(sameDistinguishedName('CN=OSCI Leser,O=Stadt Musterhausen,C=DE', issuer)).toBe(false);
    expect(sameDistinguishedName('not a name', issuer)).toBe(false);
  });
});
