import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_NAME_BYTES, prefixedEntryName, safeEntryName } from './safe-entry-name.js';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const RESERVED = /^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$/i;

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

  it('replaces reserved characters and controls, removes direction marks, never returns empty', () => {
    expect(safeEntryName('a\u0000b\nc.pdf')).toBe('a_b_c.pdf');
    expect(safeEntryName('rechnung\u202efdp.exe')).toBe('rechnungfdp.exe');
    expect(safeEntryName('..')).toBe('unnamed');
    expect(safeEntryName('.hidden')).toBe('hidden');
    expect(safeEntryName('a<b>:c?*|".txt')).toBe('a_b__c____.txt');
    expect(safeEntryName('Plan. ')).toBe('Plan');
  });

  it('replaces U+FFFE and U+FFFF, which an XML message cannot name', () => {
    expect(safeEntryName('Plan\ufffe\uffff.pdf')).toBe('Plan__.pdf');
  });

  it('prefixes Windows device names, with or without extension', () => {
    expect(safeEntryName('CON')).toBe('_CON');
    expect(safeEntryName('nul.txt')).toBe('_nul.txt');
    expect(safeEntryName('com1.pdf')).toBe('_com1.pdf');
    expect(safeEntryName('CONTRACT.pdf')).toBe('CONTRACT.pdf');
  });

  it('limits a 300-character name with umlauts to 255 bytes of UTF-8, keeping the extension', () => {
    const long = `${'ä'.repeat(300)}.pdf`;
    const once = safeEntryName(long);
    expect(bytes(once)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(bytes(once)).toBeGreaterThan(MAX_NAME_BYTES - 2);
    expect(once.endsWith('.pdf')).toBe(true);
    expect(safeEntryName(once)).toBe(once);
  });

  it('leaves room for the UUID prefix of xdomea file names', () => {
    const id = '0b1c2d3e-0000-4000-8000-000000000001';
    const name = prefixedEntryName(id, `${'Größe '.repeat(80)}.pdf`);
    expect(name.startsWith(`${id}_Größe`)).toBe(true);
    expect(name.endsWith('.pdf')).toBe(true);
    expect(bytes(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(safeEntryName(name)).toBe(name);
  });

  // Property: whatever a sender calls a file, the result is a valid name for every common file system.
  // Seeded and bounded so `npm test` is repeatable; docs/xoev-content.md names a longer run.
  it('any input gives a valid name ≤ 255 bytes without reserved characters, keeping a fitting extension', () => {
    const seed = Number(process.env.FC_SEED ?? 20250301);
    const numRuns = Number(process.env.FC_RUNS ?? 2000);
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('/', '\\', '..', '.', ' ', ':', '*', '?', '"', '<', '>', '|', '\u0000', '\u202e', 'CON', 'nul', 'ä', 'ß', '\u0308', '\ud800', '\ufffe', '\uffff'),
    );
    const ext = fc.constantFrom('', '.pdf', '.PDF', '.jpeg', '.tar.gz', '.äöü', '.x');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), ext, fc.integer({ min: 40, max: 300 }), (parts, extension, repeat) => {
        const stem = parts.join('');
        const input = `${stem}${stem.length > 0 ? stem.slice(0, repeat) : ''}${extension}`;
        const out = safeEntryName(input);
        expect(out.length).toBeGreaterThan(0);
        expect(bytes(out)).toBeLessThanOrEqual(MAX_NAME_BYTES);
        // eslint-disable-next-line no-control-regex
        expect(out).not.toMatch(/[/\\:*?"<>|\u0000-\u001f\u007f-\u009f\u202a-\u202e\ufffe\uffff]/);
        expect(out).not.toMatch(RESERVED);
        expect(out.startsWith('.') || out.endsWith('.') || out.endsWith(' ')).toBe(false);
        expect(out).toBe(out.normalize('NFC'));
        expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
        expect(safeEntryName(out)).toBe(out);
        // the extension survives whenever the name had to be shortened and the extension is short
        const base = input.normalize('NFC').split(/[/\\]/).pop() ?? '';
        const last = extension.slice(extension.lastIndexOf('.'));
        if (extension !== '' && base.endsWith(extension) && bytes(base) > MAX_NAME_BYTES) expect(out.endsWith(last)).toBe(true);
      }),
      { seed, numRuns },
    );
  });
});
