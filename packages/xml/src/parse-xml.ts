/**
 * The hub's one XML reader: small, strict, namespace-aware (OSCI content, SOAP, XBau, xdomea replies).
 *
 * Why not a general parser: exclusive c14n needs exact attribute values, namespace declarations and
 * in-scope bindings, which fast-xml-parser does not model; and the hub must refuse DTDs and every
 * entity except the five predefined ones (XXE, billion laughs), which is simplest when nothing else exists.
 * Only UTF-8 input is accepted.
 */

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export type XmlAttribute = {
  readonly prefix: string;
  readonly localName: string;
  /** '' for unprefixed attributes (they are in no namespace, XML Namespaces §6.2). */
  readonly namespaceUri: string;
  readonly value: string;
};

export type XmlElement = {
  readonly kind: 'element';
  readonly prefix: string;
  readonly localName: string;
  /** '' when the element is in no namespace. */
  readonly namespaceUri: string;
  readonly attributes: XmlAttribute[];
  /** Namespace declarations made on this element: prefix ('' for the default namespace) → URI ('' undeclares the default). */
  readonly nsDeclarations: Map<string, string>;
  readonly children: XmlNode[];
  readonly parent: XmlElement | undefined;
};

export type XmlText = { readonly kind: 'text'; value: string };
export type XmlComment = { readonly kind: 'comment'; readonly value: string };
export type XmlPi = { readonly kind: 'pi'; readonly target: string; readonly data: string };
export type XmlNode = XmlElement | XmlText | XmlComment | XmlPi;
export type XmlDocument = { readonly root: XmlElement; readonly children: readonly XmlNode[] };

/** XML the parser refuses; the message names the position, never content. */
export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
}

const MAX_DEPTH = 256;
const NAME = /[^\s/>=<"'!?&;]+/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** Resolves the five predefined entities and character references; any other entity is refused (no DTD exists). */
function decodeEntities(raw: string, at: number): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&]*);|&/g, (match, ref: string | undefined) => {
    if (ref === undefined) throw new XmlSyntaxError(`bare '&' near offset ${at}`);
    const named = PREDEFINED[ref];
    if (named !== undefined) return named;
    const num = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (!num) throw new XmlSyntaxError(`undefined entity '${match.slice(0, 40)}' near offset ${at} (DTDs and entities are refused)`);
    const cp = num[1] !== undefined ? parseInt(num[1], 16) : parseInt(num[2] ?? '', 10);
    if (!isXmlChar(cp)) throw new XmlSyntaxError(`invalid character reference near offset ${at}`);
    return String.fromCodePoint(cp);
  });
}

function splitQName(qname: string, at: number): { prefix: string; localName: string } {
  const colon = qname.indexOf(':');
  if (colon < 0) return { prefix: '', localName: qname };
  const prefix = qname.slice(0, colon);
  const localName = qname.slice(colon + 1);
  if (prefix === '' || localName === '' || localName.includes(':')) throw new XmlSyntaxError(`bad qualified name near offset ${at}`);
  return { prefix, localName };
}

/** Looks up the namespace bound to a prefix ('' = default) on an element or its ancestors. */
export function lookupNamespace(element: XmlElement | undefined, prefix: string): string | undefined {
  if (prefix === 'xml') return XML_NS;
  for (let e = element; e; e = e.parent) {
    const uri = e.nsDeclarations.get(prefix);
    if (uri !== undefined) return uri;
  }
  return prefix === '' ? '' : undefined;
}

/** Bounds for one document (beyond the nesting depth every document has). */
export interface ParseXmlOptions {
  /** Most elements the document may hold; a reader of small envelopes sets it so a body of `<a/>`s cannot take gigabytes of heap. */
  readonly maxElements?: number;
}

class Parser {
  private pos = 0;
  private elements = 0;
  constructor(
    private readonly src: string,
    private readonly maxElements = Infinity,
  ) {}

  parse(): XmlDocument {
    const children: XmlNode[] = [];
    if (this.src.startsWith('<?xml') && /^<\?xml[\s?]/.test(this.src)) this.xmlDecl();
    let root: XmlElement | undefined;
    while (this.pos < this.src.length) {
      this.skipSpace();
      if (this.pos >= this.src.length) break;
      if (this.src.startsWith('<!--', this.pos)) children.push(this.comment());
      else if (this.src.startsWith('<?', this.pos)) children.push(this.pi());
      else if (this.src.startsWith('<!DOCTYPE', this.pos) || this.src.startsWith('<!', this.pos)) {
        throw new XmlSyntaxError('DTDs (<!DOCTYPE>) are refused');
      } else if (this.src.startsWith('<', this.pos)) {
        if (root) throw new XmlSyntaxError(`second root element at offset ${this.pos}`);
        root = this.element();
        children.push(root);
      } else throw new XmlSyntaxError(`text outside the root element at offset ${this.pos}`);
    }
    if (!root) throw new XmlSyntaxError('no root element');
    return { root, children };
  }

  private xmlDecl(): void {
    const end = this.src.indexOf('?>');
    if (end < 0) throw new XmlSyntaxError('unterminated XML declaration');
    const decl = this.src.slice(0, end);
    const enc = /encoding\s*=\s*["']([^"']*)["']/.exec(decl);
    if (enc && !/^utf-?8$/i.test(enc[1] ?? '')) throw new XmlSyntaxError(`only UTF-8 is accepted, not ${(enc[1] ?? '').slice(0, 20)}`);
    this.pos = end + 2;
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && ' \t\n\r'.includes(this.src[this.pos] ?? '')) this.pos++;
  }

  private expect(s: string): void {
    if (!this.src.startsWith(s, this.pos)) throw new XmlSyntaxError(`expected '${s}' at offset ${this.pos}`);
    this.pos += s.length;
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.src);
    if (!m) throw new XmlSyntaxError(`expected a name at offset ${this.pos}`);
    this.pos += m[0].length;
    return m[0];
  }

  private comment(): XmlComment {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) throw new XmlSyntaxError('unterminated comment');
    const value = this.src.slice(this.pos + 4, end);
    this.pos = end + 3;
    return { kind: 'comment', value };
  }

  private pi(): XmlPi {
    this.pos += 2;
    const target = this.name();
    if (target.toLowerCase() === 'xml') throw new XmlSyntaxError(`misplaced XML declaration at offset ${this.pos}`);
    const end = this.src.indexOf('?>', this.pos);
    if (end < 0) throw new XmlSyntaxError('unterminated processing instruction');
    const data = this.src.slice(this.pos, end).replace(/^[ \t\n\r]+/, '');
    this.pos = end + 2;
    return { kind: 'pi', target, data };
  }

  /** Parses one element and its content iteratively (a stack, so depth is bounded by MAX_DEPTH, not the call stack). */
  private element(): XmlElement {
    const stack: { el: XmlElement; qname: string }[] = [];
    let root: XmlElement | undefined;
    for (;;) {
      const parent = stack[stack.length - 1];
      if (this.src.startsWith('</', this.pos)) {
        if (!parent) throw new XmlSyntaxError(`unexpected end tag at offset ${this.pos}`);
        this.pos += 2;
        const qname = this.name();
        if (qname !== parent.qname) throw new XmlSyntaxError(`mismatched end tag at offset ${this.pos}`);
        this.skipSpace();
        this.expect('>');
        stack.pop();
      } else if (this.src.startsWith('<!--', this.pos)) {
        parent?.el.children.push(this.comment());
      } else if (this.src.startsWith('<![CDATA[', this.pos)) {
        const end = this.src.indexOf(']]>', this.pos + 9);
        if (end < 0) throw new XmlSyntaxError('unterminated CDATA section');
        if (parent) this.pushText(parent.el, this.src.slice(this.pos + 9, end));
        this.pos = end + 3;
      } else if (this.src.startsWith('<!', this.pos)) {
        throw new XmlSyntaxError('DTDs and markup declarations are refused');
      } else if (this.src.startsWith('<?', this.pos)) {
        parent?.el.children.push(this.pi());
      } else if (this.src.startsWith('<', this.pos)) {
        if (stack.length >= MAX_DEPTH) throw new XmlSyntaxError(`elements nested deeper than ${MAX_DEPTH}`);
        if (++this.elements > this.maxElements) throw new XmlSyntaxError(`more than ${this.maxElements} elements`);
        const { el, qname, selfClosing } = this.startTag(parent?.el);
        if (parent) parent.el.children.push(el);
        else root = el;
        if (!selfClosing) stack.push({ el, qname });
      } else {
        if (!parent) throw new XmlSyntaxError(`text outside the root element at offset ${this.pos}`);
        let end = this.src.indexOf('<', this.pos);
        if (end < 0) end = this.src.length;
        this.pushText(parent.el, decodeEntities(this.src.slice(this.pos, end), this.pos));
        this.pos = end;
      }
      if (stack.length === 0 && root) return root;
      if (this.pos >= this.src.length) throw new XmlSyntaxError('unexpected end of document');
    }
  }

  private pushText(el: XmlElement, value: string): void {
    // adjacent text and CDATA form one text node in the XPath data model c14n works on
    const last = el.children[el.children.length - 1];
    if (last?.kind === 'text') last.value += value;
    else el.children.push({ kind: 'text', value });
  }

  private startTag(parent: XmlElement | undefined): { el: XmlElement; qname: string; selfClosing: boolean } {
    const at = this.pos;
    this.pos++;
    const qname = this.name();
    const raw: { qname: string; value: string }[] = [];
    // sets, not scans: a start tag with n attributes must cost O(n), not O(n²) (a hostile tag has hundreds of thousands)
    const rawNames = new Set<string>();
    const nsDeclarations = new Map<string, string>();
    let selfClosing = false;
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      if (this.src.startsWith('/>', this.pos)) {
        this.pos += 2;
        selfClosing = true;
        break;
      }
      if (this.src.startsWith('>', this.pos)) {
        this.pos++;
        break;
      }
      if (before === this.pos) throw new XmlSyntaxError(`expected whitespace before attribute at offset ${this.pos}`);
      const name = this.name();
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      const quote = this.src[this.pos];
      if (quote !== '"' && quote !== "'") throw new XmlSyntaxError(`attribute value not quoted at offset ${this.pos}`);
      const end = this.src.indexOf(quote, this.pos + 1);
      if (end < 0) throw new XmlSyntaxError('unterminated attribute value');
      const literal = this.src.slice(this.pos + 1, end);
      if (literal.includes('<')) throw new XmlSyntaxError(`'<' in attribute value at offset ${this.pos}`);
      // attribute-value normalisation (XML 1.0 §3.3.3): literal whitespace becomes a space, references keep theirs
      const value = decodeEntities(literal.replace(/[\t\n\r]/g, ' '), this.pos);
      this.pos = end + 1;
      const declared = name === 'xmlns' ? nsDeclarations.has('') : name.startsWith('xmlns:') && nsDeclarations.has(name.slice(6));
      if (declared || rawNames.has(name)) {
        throw new XmlSyntaxError(`duplicate attribute at offset ${at}`);
      }
      if (name === 'xmlns') nsDeclarations.set('', value);
      else if (name.startsWith('xmlns:')) {
        const p = name.slice(6);
        if (value === '' || p === 'xmlns' || (p === 'xml') !== (value === XML_NS) || value === XMLNS_NS) {
          throw new XmlSyntaxError(`illegal namespace declaration at offset ${at}`);
        }
        nsDeclarations.set(p, value);
      } else {
        raw.push({ qname: name, value });
        rawNames.add(name);
      }
    }
    const { prefix, localName } = splitQName(qname, at);
    const el: XmlElement = { kind: 'element', prefix, localName, namespaceUri: '', attributes: [], nsDeclarations, children: [], parent };
    const namespaceUri = lookupNamespace(el, prefix);
    if (namespaceUri === undefined) throw new XmlSyntaxError(`unbound prefix at offset ${at}`);
    (el as { namespaceUri: string }).namespaceUri = namespaceUri;
    const expandedNames = new Set<string>();
    for (const a of raw) {
      const q = splitQName(a.qname, at);
      const uri = q.prefix === '' ? '' : lookupNamespace(el, q.prefix);
      if (uri === undefined) throw new XmlSyntaxError(`unbound attribute prefix at offset ${at}`);
      // a local name holds no space, so "uri local" names one expanded name unambiguously
      const expanded = `${uri} ${q.localName}`;
      if (expandedNames.has(expanded)) throw new XmlSyntaxError(`duplicate attribute at offset ${at}`);
      expandedNames.add(expanded);
      el.attributes.push({ prefix: q.prefix, localName: q.localName, namespaceUri: uri, value: a.value });
    }
    return { el, qname, selfClosing };
  }
}

// XML 1.0 §2.2 Char: no C0 controls but tab/LF/CR, no U+FFFE/U+FFFF, no unpaired surrogate (a raw NUL
// would otherwise reach PostgreSQL, which refuses it, as a 500 instead of the sender's syntax problem)
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(input: Buffer): string {
  try {
    return UTF8.decode(input);
  } catch {
    // XML 1.0 §4.3.3: an encoding error is a fatal error (no silent U+FFFD)
    throw new XmlSyntaxError('not well-formed UTF-8');
  }
}

/** Parses UTF-8 XML into a namespace-aware tree; refuses DTDs, entities other than the predefined five, and non-UTF-8 input and characters XML does not allow. */
export function parseXml(input: string | Buffer, options: ParseXmlOptions = {}): XmlDocument {
  let src = typeof input === 'string' ? input : decodeUtf8(input);
  const bad = NOT_XML_CHAR.exec(src);
  if (bad) throw new XmlSyntaxError(`character U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML (offset ${bad.index})`);
  if (src.charCodeAt(0) === 0xfeff) src = src.slice(1);
  // end-of-line handling (XML 1.0 §2.11) before anything else, as every conforming parser does
  if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
  return new Parser(src, options.maxElements).parse();
}

/** Child elements of `el` with the given namespace and local name. */
export function childElements(el: XmlElement, namespaceUri: string, localName: string): XmlElement[] {
  return el.children.filter(
    (c): c is XmlElement => c.kind === 'element' && c.namespaceUri === namespaceUri && c.localName === localName,
  );
}

/** The first child element with the given namespace and local name, if any. */
export function childElement(el: XmlElement, namespaceUri: string, localName: string): XmlElement | undefined {
  return childElements(el, namespaceUri, localName)[0];
}

/** All descendant elements (document order, `el` itself first) matching namespace and local name. */
export function descendants(el: XmlElement, namespaceUri: string, localName: string): XmlElement[] {
  const out: XmlElement[] = [];
  const stack: XmlElement[] = [el];
  while (stack.length > 0) {
    const e = stack.pop();
    if (!e) break;
    if (e.namespaceUri === namespaceUri && e.localName === localName) out.push(e);
    for (let i = e.children.length - 1; i >= 0; i--) {
      const c = e.children[i];
      if (c?.kind === 'element') stack.push(c);
    }
  }
  return out;
}

/** The value of an unprefixed attribute. */
export function attr(el: XmlElement, localName: string): string | undefined {
  return el.attributes.find((a) => a.namespaceUri === '' && a.localName === localName)?.value;
}

/** The concatenated text content of an element (descendant text nodes). */
export function textContent(el: XmlElement): string {
  let out = '';
  for (const c of el.children) {
    if (c.kind === 'text') out += c.value;
    else if (c.kind === 'element') out += textContent(c);
  }
  return out;
}
