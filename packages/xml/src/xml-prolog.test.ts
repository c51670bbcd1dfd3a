import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PROLOG_BYTES, scanXmlProlog, XmlPrologScanner, type XmlPrologVerdict } from './xml-prolog.js';

const utf16 = (text: string, order: 'le' | 'be', bom = true): Buffer => {
  const le = Buffer.from(text, 'utf16le');
  const body = order === 'le' ? le : Buffer.from(le).swap16();
  return bom ? Buffer.concat([Buffer.from(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), body]) : body;
};
const utf32le = (text: string): Buffer => Buffer.concat([...text].map((c) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(c.codePointAt(0) ?? 0);
  return b;
}));

/** Feeds `content` in chunks of `size` bytes. */
function chunked(content: Buffer, size: number): XmlPrologVerdict {
  const scanner = new XmlPrologScanner();
  for (let at = 0; at < content.length; at += size) scanner.update(content.subarray(at, at + size));
  return scanner.verdict();
}

const SVG_XXE = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- Plan -->\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>';
const LAUGHS = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>';
const CLEAN = '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n<?xml-stylesheet type="text/xsl" href="a.xsl"?>\n<!-- <!DOCTYPE in a comment> -->\n<svg xmlns="http://www.w3.org/2000/svg"><desc>&lt;!DOCTYPE x&gt;</desc></svg>';

describe('XmlPrologScanner', () => {
  it.each([
    ['a DOCTYPE with an external entity (after declaration and comment)', SVG_XXE, 'doctype'],
    ['billion laughs', LAUGHS, 'doctype'],
    ['a DOCTYPE in lower case, after whitespace', '  \n<!doctype r SYSTEM "http://internal/">\n<r/>', 'doctype'],
    ['an ENTITY declaration without DOCTYPE', '<!ENTITY x "y"><r/>', 'entity'],
  ])('refuses %s', (_name, text, reason) => {
    expect(scanXmlProlog(Buffer.from(text))).toMatchObject({ kind: 'refused', reason });
  });

  it('lets XML without a DTD through, whatever its comments, PIs and content say', () => {
    expect(scanXmlProlog(Buffer.from(CLEAN))).toEqual({ kind: 'clean', encoding: 'utf-8' });
    expect(scanXmlProlog(Buffer.from('<r><![CDATA[<!DOCTYPE x>]]></r>'))).toEqual({ kind: 'clean', encoding: 'utf-8' });
  });

  it('reads UTF-16 and UTF-32, with a BOM or by the zero bytes of `<`', () => {
    for (const order of ['le', 'be'] as const) {
      expect(scanXmlProlog(utf16(SVG_XXE, order))).toMatchObject({ kind: 'refused', reason: 'doctype', encoding: `utf-16${order}` });
      expect(scanXmlProlog(utf16(SVG_XXE, order, false))).toMatchObject({ kind: 'refused', reason: 'doctype', encoding: `utf-16${order}` });
      expect(scanXmlProlog(utf16(CLEAN.slice(1), order))).toEqual({ kind: 'clean', encoding: `utf-16${order}` });
    }
    expect(scanXmlProlog(utf32le(LAUGHS))).toMatchObject({ kind: 'refused', reason: 'doctype', encoding: 'utf-32le' });
    expect(scanXmlProlog(utf32le('<r/>'))).toEqual({ kind: 'clean', encoding: 'utf-32le' });
    // EBCDIC `<?xm`: markup the scan cannot read
    expect(scanXmlProlog(Buffer.from([0x4c, 0x6f, 0xa7, 0x94, 0x40]))).toMatchObject({ kind: 'refused', reason: 'unsupported-encoding' });
  });

  it('leaves content that is not markup alone, even with `<!DOCTYPE` further in', () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), Buffer.from(`1 0 obj\n<< /Length 99 >>\nstream\n${SVG_XXE}\nendstream\n`)]);
    expect(scanXmlProlog(pdf)).toEqual({ kind: 'not-xml' });
    expect(scanXmlProlog(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'))).toEqual({ kind: 'not-xml' });
    expect(scanXmlProlog(Buffer.from('PK\u0003\u0004<!DOCTYPE'))).toEqual({ kind: 'not-xml' });
    expect(scanXmlProlog(Buffer.from('Sehr geehrte Damen und Herren, <!DOCTYPE'))).toEqual({ kind: 'not-xml' });
    expect(scanXmlProlog(Buffer.alloc(0))).toEqual({ kind: 'not-xml' });
    expect(scanXmlProlog(Buffer.from(' \n '))).toEqual({ kind: 'not-xml' });
  });

  it('decides at the first element and reads no further', () => {
    const scanner = new XmlPrologScanner();
    scanner.update(Buffer.from('<?xml version="1.0"?><r>'));
    expect(scanner.decided).toBe(true);
    scanner.update(Buffer.from('<!DOCTYPE x>'));
    expect(scanner.verdict()).toEqual({ kind: 'clean', encoding: 'utf-8' });
  });

  it('refuses a prolog that does not end within MAX_PROLOG_BYTES, however it is chunked', () => {
    const long = Buffer.from(`<!--${'x'.repeat(MAX_PROLOG_BYTES)}--><r/>`);
    expect(scanXmlProlog(long)).toMatchObject({ kind: 'refused', reason: 'prolog-too-long' });
    expect(chunked(long, 1000)).toMatchObject({ kind: 'refused', reason: 'prolog-too-long' });
    const spaces = Buffer.from(`${' '.repeat(MAX_PROLOG_BYTES + 1)}<!DOCTYPE r><r/>`);
    expect(chunked(spaces, 4096)).toMatchObject({ kind: 'refused', reason: 'prolog-too-long' });
    // just within the bound: read to its first element
    const within = Buffer.from(`<!--${'x'.repeat(MAX_PROLOG_BYTES - 20)}--><!DOCTYPE r><r/>`);
    expect(chunked(within, 999)).toMatchObject({ kind: 'refused', reason: 'doctype' });
  });

  it('gives the same verdict for every split into two chunks and for one-byte chunks', () => {
    const samples = [SVG_XXE, LAUGHS, CLEAN, '<!ENTITY x "y"><r/>', '<!-- a --><!doctype HTML ><html>', '<!DOCTYPE html SYSTEM "about:legacy-compat"><html>', '<!-- a --><r/>', '%PDF-1.7 <!DOCTYPE'].flatMap((t) => [Buffer.from(t), utf16(t, 'le'), utf16(t, 'be', false)]);
    for (const sample of samples) {
      const whole = scanXmlProlog(sample);
      expect(chunked(sample, 1)).toEqual(whole);
      for (let cut = 0; cut <= sample.length; cut++) {
        const scanner = new XmlPrologScanner();
        scanner.update(sample.subarray(0, cut));
        scanner.update(sample.subarray(cut));
        expect(scanner.verdict(), `cut at ${cut}`).toEqual(whole);
      }
    }
  });

  describe('the HTML5 doctype (a saved web page)', () => {
    const PAGE = '<html lang="de"><head><meta charset="utf-8"><title>Bescheid</title></head><body>&nbsp;</body></html>';
    const S = fc.constantFrom(' ', '\t', '\n', '\r');
    const space = (min: number): fc.Arbitrary<string> => fc.array(S, { minLength: min, maxLength: 4 }).map((a) => a.join(''));
    /** Any letter in upper or lower case. */
    const anyCase = (word: string): fc.Arbitrary<string> => fc.tuple(...[...word].map((c) => fc.constantFrom(c.toLowerCase(), c.toUpperCase()))).map((a) => a.join(''));
    const doctype = fc.tuple(anyCase('doctype'), space(1), anyCase('html'), space(0)).map(([d, s1, h, s2]) => `<!${d}${s1}${h}${s2}>`);
    /** What may come before it: a BOM, whitespace, comments, an XML declaration. */
    const before = fc.tuple(fc.boolean(), space(0), fc.array(fc.constantFrom('<!-- saved from url=(0014)about:internet -->', '<!---->', '<?xml version="1.0"?>', '\n'), { maxLength: 3 }))
      .map(([bom, s, parts]) => `${bom ? '\uFEFF' : ''}${s}${parts.join('')}`);

    it('passes `<!DOCTYPE html>` in any case and spacing, after a BOM, whitespace and comments, however chunked', () => {
      fc.assert(fc.property(before, doctype, space(0), fc.integer({ min: 1, max: 64 }), (b, d, s, size) => {
        const text = `${b}${d}${s}${PAGE}`;
        expect(scanXmlProlog(Buffer.from(text))).toEqual({ kind: 'clean', encoding: 'utf-8' });
        expect(chunked(Buffer.from(text), size)).toEqual({ kind: 'clean', encoding: 'utf-8' });
        expect(scanXmlProlog(utf16(text.replace(/^\uFEFF/, ''), 'le'))).toEqual({ kind: 'clean', encoding: 'utf-16le' });
      }));
    });

    it('refuses it with an internal subset, a SYSTEM or PUBLIC identifier, or an entity declaration after it', () => {
      const hostile = fc.tuple(anyCase('doctype'), space(1), anyCase('html'), fc.constantFrom(
        ' [<!ENTITY x SYSTEM "file:///etc/passwd">]',
        '[<!ENTITY lol "lol">]',
        ' SYSTEM "about:legacy-compat"',
        ' system "http://169.254.169.254/"',
        ' PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"',
        ' public "-//W3C//DTD HTML 4.01//EN"',
      ), space(0)).map(([d, s1, h, rest, s2]) => `<!${d}${s1}${h}${rest}${s2}>`);
      fc.assert(fc.property(before, hostile, fc.integer({ min: 1, max: 64 }), (b, d, size) => {
        const text = `${b}${d}${PAGE}`;
        expect(scanXmlProlog(Buffer.from(text))).toMatchObject({ kind: 'refused', reason: 'doctype' });
        expect(chunked(Buffer.from(text), size)).toMatchObject({ kind: 'refused', reason: 'doctype' });
      }));
      fc.assert(fc.property(before, doctype, (b, d) => {
        expect(scanXmlProlog(Buffer.from(`${b}${d}<!ENTITY x SYSTEM "file:///etc/passwd">${PAGE}`))).toMatchObject({ kind: 'refused', reason: 'entity' });
      }));
    });

    it.each([
      ['another root name', '<!DOCTYPE svg>'],
      ['a name that only starts with html', '<!DOCTYPE htmlx>'],
      ['no space before the name', '<!DOCTYPEhtml>'],
      ['no name', '<!DOCTYPE>'],
      ['a second doctype', '<!DOCTYPE html><!DOCTYPE html>'],
      ['a second doctype with a subset', '<!DOCTYPE html><!-- --><!DOCTYPE html [<!ENTITY x "y">]>'],
      ['a comment inside it', '<!DOCTYPE html <!-- -->>'],
      ['more spacing than a page has', `<!DOCTYPE html${' '.repeat(2000)}>`],
    ])('refuses the edge: %s', (_name, decl) => {
      expect(scanXmlProlog(Buffer.from(`${decl}${PAGE}`))).toMatchObject({ kind: 'refused', reason: 'doctype' });
      expect(chunked(Buffer.from(`${decl}${PAGE}`), 1)).toMatchObject({ kind: 'refused', reason: 'doctype' });
    });

    it('treats an HTML5 doctype cut off by the end of the content as markup without a declaration, and a cut-off subset as refused', () => {
      expect(scanXmlProlog(Buffer.from('<!DOCTYPE ht'))).toEqual({ kind: 'clean', encoding: 'utf-8' });
      expect(scanXmlProlog(Buffer.from('<!DOCTYPE html '))).toEqual({ kind: 'clean', encoding: 'utf-8' });
      expect(scanXmlProlog(Buffer.from('<!DOCTYPE html ['))).toMatchObject({ kind: 'refused', reason: 'doctype' });
      expect(scanXmlProlog(Buffer.from('<!DOCTYPE html S'))).toMatchObject({ kind: 'refused', reason: 'doctype' });
    });

    it('decides a refused one before its end arrives', () => {
      const scanner = new XmlPrologScanner();
      scanner.update(Buffer.from('<!DOCTYPE html ['));
      expect(scanner.decided).toBe(true);
    });
  });

  it('treats content that ends inside the prolog as markup without a declaration', () => {
    expect(scanXmlProlog(Buffer.from('<?xml version="1.0"?>'))).toEqual({ kind: 'clean', encoding: 'utf-8' });
    expect(scanXmlProlog(Buffer.from('<!-- unterminated'))).toEqual({ kind: 'clean', encoding: 'utf-8' });
    expect(scanXmlProlog(Buffer.from('<!DOC'))).toEqual({ kind: 'clean', encoding: 'utf-8' });
  });
});
