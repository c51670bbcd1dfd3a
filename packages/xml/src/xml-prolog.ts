/**
 * Reads the prolog of a document that may be XML (an attachment the hub passes on as it is) and says whether
 * it declares a DTD. Only the prolog can: XML 1.0 §2.8 puts `<!DOCTYPE` between the XML declaration and the
 * first element, and nothing declares entities elsewhere. So the scan reads chunk by chunk up to the first
 * element and stops there — a 500 MB attachment costs its first bytes, in the pass that already decrypts
 * and hashes it.
 *
 * Whether content is XML is read from its bytes, not from its label or name (a sender's `application/pdf`
 * can be an SVG a DMS sniffs and parses): what starts, after a byte order mark and whitespace, with `<` in
 * UTF-8, UTF-16 or UTF-32 is scanned. Everything else (PDF, images, ZIP, text) is let be at its first byte.
 */

/** What the prolog scan found. `refused` names why without quoting the content. */
export type XmlPrologVerdict =
  /** Not markup: the first character after a BOM and whitespace is not `<`. */
  | { readonly kind: 'not-xml' }
  /** Markup without a DTD: the first element (or the end of the content) came after nothing but comments, PIs, whitespace and at most the HTML5 doctype `<!DOCTYPE html>`. */
  | { readonly kind: 'clean'; readonly encoding: XmlPrologEncoding }
  | { readonly kind: 'refused'; readonly reason: XmlPrologRefusal; readonly encoding: XmlPrologEncoding };

export type XmlPrologEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be' | 'ebcdic';
/** `doctype`/`entity`: a `<!DOCTYPE` (other than HTML5's plain one) or `<!ENTITY` before the first element; `prolog-too-long`: no first element within the bound; `unsupported-encoding`: markup in an encoding the scan cannot read (EBCDIC). */
export type XmlPrologRefusal = 'doctype' | 'entity' | 'prolog-too-long' | 'unsupported-encoding';

/** Bytes the prolog may take before the first element; a longer one is refused rather than read on. */
export const MAX_PROLOG_BYTES = 64 * 1024;
/** Bytes decoded and scanned at a time: most content is decided by its first few, and a PDF's first chunk is a megabyte. */
const SLICE_BYTES = 4096;

type Decided = XmlPrologVerdict | undefined;

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
// XML 1.0 §2.8 markup declarations: compared case-insensitively, as lenient (HTML-minded) parsers do
const DOCTYPE = '<!doctype';
const ENTITY = '<!entity';
/**
 * HTML5's doctype (a saved web page): it names no DTD and declares no entity, so it is let be — once, exactly in
 * this form. An internal subset `[`, a SYSTEM or PUBLIC identifier, another name, or anything else is refused.
 */
const HTML5_DOCTYPE = /^<!doctype[\t\n\r ]+html[\t\n\r ]*>$/i;
/** What the HTML5 doctype may have been so far, while its `>` has not arrived. */
const HTML5_DOCTYPE_START = /^<!doctype(?:[\t\n\r ]+(?:h(?:t(?:m(?:l[\t\n\r ]*)?)?)?)?)?$/i;
/** Characters the HTML5 doctype may take, spacing included: a longer one is refused, not searched on. */
const MAX_HTML5_DOCTYPE = 256;

/** XML 1.0 Appendix F: the encoding from the first bytes (BOM, or the `<` of `<?xml` / a first element); undefined until 4 bytes are there. */
function detectEncoding(head: Buffer, ended: boolean): { encoding: XmlPrologEncoding; bom: number } | undefined {
  const b = (i: number): number | undefined => head[i];
  if (head.length < 4 && !ended) return undefined;
  if (b(0) === 0x00 && b(1) === 0x00 && b(2) === 0xfe && b(3) === 0xff) return { encoding: 'utf-32be', bom: 4 };
  if (b(0) === 0xff && b(1) === 0xfe && b(2) === 0x00 && b(3) === 0x00) return { encoding: 'utf-32le', bom: 4 };
  if (b(0) === 0xef && b(1) === 0xbb && b(2) === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if (b(0) === 0xfe && b(1) === 0xff) return { encoding: 'utf-16be', bom: 2 };
  if (b(0) === 0xff && b(1) === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  // without a BOM: the zero bytes of an ASCII character tell the width and byte order
  if (b(0) === 0x00 && b(1) === 0x00 && b(2) === 0x00 && b(3) !== 0x00) return { encoding: 'utf-32be', bom: 0 };
  if (b(0) !== 0x00 && b(1) === 0x00 && b(2) === 0x00 && b(3) === 0x00) return { encoding: 'utf-32le', bom: 0 };
  if (b(0) === 0x00 && b(1) !== 0x00) return { encoding: 'utf-16be', bom: 0 };
  if (b(0) !== 0x00 && b(1) === 0x00) return { encoding: 'utf-16le', bom: 0 };
  if (b(0) === 0x4c && b(1) === 0x6f && b(2) === 0xa7 && b(3) === 0x94) return { encoding: 'ebcdic', bom: 0 };
  return { encoding: 'utf-8', bom: 0 };
}

/** Code units of the prolog as characters; markup is ASCII, so UTF-8 is read byte by byte (latin1) without harm. */
function decodeUnits(bytes: Buffer, encoding: Exclude<XmlPrologEncoding, 'ebcdic'>): { text: string; used: number } {
  const width = encoding === 'utf-8' ? 1 : encoding.startsWith('utf-16') ? 2 : 4;
  const used = bytes.length - (bytes.length % width);
  if (width === 1) return { text: bytes.toString('latin1'), used };
  // a surrogate cut by the slice border stays a lone code unit: harmless, the prolog's markup is ASCII
  if (encoding === 'utf-16le') return { text: bytes.toString('utf16le', 0, used), used };
  if (encoding === 'utf-16be') return { text: Buffer.from(bytes.subarray(0, used)).swap16().toString('utf16le'), used };
  let text = '';
  for (let at = 0; at < used; at += 4) {
    const unit = encoding === 'utf-32le' ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
    // a value beyond Unicode is no markup
    text += String.fromCodePoint(unit > 0x10ffff ? 0xfffd : unit);
  }
  return { text, used };
}

/**
 * Scans a document's prolog chunk by chunk (`update`), deciding as soon as it can; `verdict()` after the last
 * chunk. Keeps at most MAX_PROLOG_BYTES, and does nothing with the chunks after it decided.
 */
export class XmlPrologScanner {
  #decided: Decided;
  /** The first bytes while fewer than the detection needs. */
  #head: Buffer = Buffer.alloc(0);
  #headBytes = 0;
  #encoding: { encoding: XmlPrologEncoding; bom: number } | undefined;
  /** Bytes after the BOM not yet turned into text (an incomplete UTF-16/32 unit). */
  #pending: Buffer = Buffer.alloc(0);
  #text = '';
  /** Where the scan of #text resumes: the start of the construct not yet complete. */
  #pos = 0;
  #markup = false;
  /** An HTML5 doctype was let be: a second DOCTYPE is not. */
  #html5Doctype = false;
  /** Where the search for the end of the comment or PI at #pos resumes: fed in small chunks, a long one is not searched from its start again each time. */
  #seekFrom = 0;

  /** True once further bytes cannot change the verdict. */
  get decided(): boolean {
    return this.#decided !== undefined;
  }

  update(chunk: Buffer): void {
    if (this.#decided) return;
    const part = chunk.subarray(0, MAX_PROLOG_BYTES + 1 - this.#headBytes);
    this.#headBytes += part.length;
    if (!this.#encoding) {
      const head = this.#head.length > 0 ? Buffer.concat([this.#head, part]) : part;
      this.#encoding = detectEncoding(head, false);
      // fewer bytes than the detection needs: a copy, not a view that pins the chunk
      if (!this.#encoding) this.#head = Buffer.from(head);
      else {
        this.#head = Buffer.alloc(0);
        this.#feed(head.subarray(this.#encoding.bom));
      }
    } else this.#feed(part);
    if (!this.#decided && this.#headBytes > MAX_PROLOG_BYTES) this.#decided = this.#refused('prolog-too-long');
  }

  /** The verdict on all bytes given so far, as if they were the whole content. */
  verdict(): XmlPrologVerdict {
    if (this.#decided) return this.#decided;
    if (!this.#encoding) {
      const head = this.#head;
      this.#encoding = detectEncoding(head, true) ?? { encoding: 'utf-8', bom: 0 };
      this.#feed(head.subarray(this.#encoding.bom));
      if (this.#decided) return this.#decided;
    }
    // the content ended inside the prolog (an unterminated comment or PI, or a `<!` too short to name
    // anything): no declaration was made, and a parser fails on it
    return this.#markup ? { kind: 'clean', encoding: this.#encoding.encoding } : { kind: 'not-xml' };
  }

  #refused(reason: XmlPrologRefusal): XmlPrologVerdict {
    return { kind: 'refused', reason, encoding: this.#encoding?.encoding ?? 'utf-8' };
  }

  #feed(bytes: Buffer): void {
    const encoding = this.#encoding?.encoding ?? 'utf-8';
    if (encoding === 'ebcdic') {
      // Appendix F's EBCDIC `<?xm`: markup the scan cannot read, so it cannot vouch for it
      this.#decided = this.#refused('unsupported-encoding');
      return;
    }
    for (let at = 0; at < bytes.length && !this.#decided; at += SLICE_BYTES) {
      const slice = bytes.subarray(at, at + SLICE_BYTES);
      const joined = this.#pending.length > 0 ? Buffer.concat([this.#pending, slice]) : slice;
      const { text, used } = decodeUnits(joined, encoding);
      this.#pending = Buffer.from(joined.subarray(used));
      this.#text += text;
      this.#decided = this.#scan(encoding);
    }
    if (this.#decided) {
      this.#text = '';
      this.#pending = Buffer.alloc(0);
    }
  }

  #seek(text: string, end: string, from: number): number {
    const found = text.indexOf(end, Math.max(from, this.#seekFrom));
    // the end marker may be cut by the chunk border: resume just before the text's end
    this.#seekFrom = found < 0 ? Math.max(from, text.length - end.length + 1) : 0;
    return found;
  }

  /** Resumes at #pos; returns a verdict, or undefined when the text so far ends inside the prolog. */
  #scan(encoding: XmlPrologEncoding): Decided {
    const text = this.#text;
    for (;;) {
      let at = this.#pos;
      while (at < text.length && WHITESPACE.has(text.charCodeAt(at))) at++;
      this.#pos = at;
      if (at >= text.length) return undefined;
      if (text[at] !== '<') return this.#markup ? { kind: 'clean', encoding } : { kind: 'not-xml' };
      this.#markup = true;
      if (text.length - at < 2) return undefined;
      const next = text[at + 1];
      if (next === '?') {
        const end = this.#seek(text, '?>', at + 2);
        if (end < 0) return undefined;
        this.#pos = end + 2;
      } else if (next === '!') {
        const ahead = text.slice(at, at + DOCTYPE.length).toLowerCase();
        if (ahead.startsWith('<!--')) {
          const end = this.#seek(text, '-->', at + 4);
          if (end < 0) return undefined;
          this.#pos = end + 3;
        } else if (ahead === DOCTYPE) {
          const decl = this.#html5Doctype ? undefined : html5Doctype(text.slice(at, at + MAX_HTML5_DOCTYPE));
          if (decl === undefined) return this.#refused('doctype');
          if (decl === 'incomplete') return undefined;
          this.#html5Doctype = true;
          this.#pos = at + decl;
        }
        else if (ahead.startsWith(ENTITY)) return this.#refused('entity');
        else if (ahead.length < DOCTYPE.length && (DOCTYPE.startsWith(ahead) || ENTITY.startsWith(ahead) || '<!--'.startsWith(ahead))) return undefined;
        // another `<!` (CDATA, ELEMENT, ATTLIST) before the root: not well-formed, and nothing that declares an entity
        else return { kind: 'clean', encoding };
      } else return { kind: 'clean', encoding };
    }
  }
}

/**
 * The length of the HTML5 doctype that `text` starts with; `incomplete` while the text so far can still become
 * one; undefined for any other DOCTYPE.
 */
function html5Doctype(text: string): number | 'incomplete' | undefined {
  const end = text.indexOf('>');
  if (end >= 0) return HTML5_DOCTYPE.test(text.slice(0, end + 1)) ? end + 1 : undefined;
  return text.length < MAX_HTML5_DOCTYPE && HTML5_DOCTYPE_START.test(text) ? 'incomplete' : undefined;
}

/** Scans the prolog of content already in memory (reads only its beginning). */
export function scanXmlProlog(content: Buffer): XmlPrologVerdict {
  const scanner = new XmlPrologScanner();
  scanner.update(content);
  return scanner.verdict();
}
