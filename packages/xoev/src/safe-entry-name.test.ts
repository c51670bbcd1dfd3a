import { describe, expect, it } from 'vitest';
import { safeEntryName } from './safe-entry-name.js';

describe('safeEntryName', () => {
  it('drops any path (zip-slip), POSIX or Windows', () => {
    expect(safeEntryName('../../etc/passwd')).toBe('passwd');
    expect(safeEntryName('C:\\Users\\anna\\Plan.pdf')).toBe('Plan.pdf');
    expect(safeEntryName('/abs/x.txt')).toBe('x.txt');
  });

  it('keeps umlauts and ß, NFC-normalised', () => {
    expect(safeEntryName('Bauzeichnung_Größe.pdf')).toBe('Bauzeichnung_Größe.pdf');
    expect(safeEntryName('Gro\u0308sse.pdf')).toBe('Grösse.pdf');
  });

  it('strips control and bidi characters, leading dots, and never returns empty', () => {
    expect(safeEntryName('a\u0000b\nc\u202e.pdf')).toBe('abc.pdf');
    expect(safeEntryName('..')).toBe('unnamed');
    expect(safeEntryName('.hidden')).toBe('hidden');
    expect(safeEntryName('a<b>:c?.txt')).toBe('a_b__c_.txt');
  });

  it('shortens long names but keeps the extension, and is stable when applied twice', () => {
    const long = `${'ä'.repeat(300)}.pdf`;
    const once = safeEntryName(long);
    expect([...once]).toHaveLength(200);
    expect(once.endsWith('.pdf')).toBe(true);
    expect(safeEntryName(once)).toBe(once);
    expect(safeEntryName(`0b1c_${safeEntryName('../a b.pdf')}`)).toBe('0b1c_a b.pdf');
  });
});
