import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { xtaError } from './xta-errors.js';
import { NS_XML } from './namespaces.js';

/** An attribute with its resolved namespace ('' when unprefixed). */
export interface XmlAttr {
  readonly ns: string;
  readonly local: string;
  readonly qname: string;
  readonly value: string;
}

/** A namespace-resolved element: `ns` is the namespace URI ('' for none). */
export interface XmlElement {
  readonly ns: string;
  readonly local: string;
  readonly qname: string;
  readonly attrs: readonly XmlAttr[];
  /** Child elements in document order. */
  readonly children: XmlElement[];
  /** Child elements and text runs in document order (for re-serialisation). */
  readonly nodes: (XmlElement | { readonly text: string })[];
  /** Concatenated direct text content (entity references decoded). */
  text: string;
  /** Namespace bindings in scope at this element (prefix '' = default namespace). */
  readonly scope: ReadonlyMap<string, string>;
}

const MAX_DEPTH = 64;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Entities are never expanded by the parser (no billion laughs); the five predefined ones and
  // character references are decoded below, anything else is refused.
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  ignorePiTags: true,
  ignoreDeclaration: true,
});

function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]{0,16});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw xtaError('PROFILE_VIOLATION', 'XML contains a bare "&"');
    switch (name) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default: {
        const m = /^#(x[0-9a-fA-F]{1,6}|[0-9]{1,7})$/.exec(name);
        if (!m?.[1]) throw xtaError('PROFILE_VIOLATION', 'XML references an entity; entities are not accepted');
        const cp = m[1].startsWith('x') ? parseInt(m[1].slice(1), 16) : parseInt(m[1], 10);
        if (cp > 0x10ffff || cp === 0) throw xtaError('PROFILE_VIOLATION', 'XML contains an invalid character reference');
        return String.fromCodePoint(cp);
      }
    }
  });
}

type RawNode = Record<string, unknown>;

function splitName(qname: string): [string, string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

function resolvePrefix(scope: ReadonlyMap<string, string>, prefix: string, what: string): string {
  if (prefix === 'xml') return NS_XML;
  const ns = scope.get(prefix);
  if (ns === undefined) {
    if (prefix === '') return '';
    throw xtaError('PROFILE_VIOLATION', `XML uses an undeclared namespace prefix on ${what}`);
  }
  return ns;
}

function convert(qname: string, rawChildren: unknown, rawAttrs: unknown, parentScope: ReadonlyMap<string, string>, depth: number): XmlElement {
  if (depth > MAX_DEPTH) throw xtaError('PROFILE_VIOLATION', `XML nests deeper than ${MAX_DEPTH} levels`);
  const attrsIn = (rawAttrs ?? {}) as Record<string, string>;
  let scope = parentScope;
  const plainAttrs: [string, string][] = [];
  for (const [name, value] of Object.entries(attrsIn)) {
    const decoded = decodeEntities(String(value));
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      if (scope === parentScope) scope = new Map(parentScope);
      (scope as Map<string, string>).set(name === 'xmlns' ? '' : name.slice(6), decoded);
    } else {
      plainAttrs.push([name, decoded]);
    }
  }
  const [prefix, local] = splitName(qname);
  const ns = resolvePrefix(scope, prefix, 'an element');
  const attrs: XmlAttr[] = plainAttrs.map(([name, value]) => {
    const [p, l] = splitName(name);
    // Unprefixed attributes are in no namespace (Namespaces in XML §6.2).
    return { ns: p === '' ? '' : resolvePrefix(scope, p, 'an attribute'), local: l, qname: name, value };
  });
  const el: XmlElement = { ns, local, qname, attrs, children: [], nodes: [], text: '', scope };
  for (const child of (rawChildren ?? []) as RawNode[]) {
    if ('#text' in child) {
      const t = decodeEntities(String(child['#text']));
      el.nodes.push({ text: t });
      el.text += t;
      continue;
    }
    if ('#cdata' in child) {
      const parts = child['#cdata'] as RawNode[];
      const t = parts.map((p) => String(p['#text'] ?? '')).join('');
      el.nodes.push({ text: t });
      el.text += t;
      continue;
    }
    const name = Object.keys(child).find((k) => k !== ':@');
    if (name === undefined || name.startsWith('?') || name.startsWith('!')) continue;
    const sub = convert(name, child[name], child[':@'], scope, depth + 1);
    el.children.push(sub);
    el.nodes.push(sub);
  }
  return el;
}

/**
 * Parses XML into a namespace-resolved tree, refusing DTDs and entity declarations before the
 * parser sees them (no XXE, no entity expansion); malformed XML is an XTA 9052 fault.
 */
export function parseXmlTree(input: string | Buffer): XmlElement {
  let text = typeof input === 'string' ? input : input.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    throw xtaError('PROFILE_VIOLATION', 'XML with a DTD or entity declaration is refused');
  }
  const decl = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(text);
  if (decl?.[1] && !/^utf-?8$/i.test(decl[1])) {
    throw xtaError('WRONG_ENCODING', 'only UTF-8 encoded XML is accepted');
  }
  const check = XMLValidator.validate(text);
  if (check !== true) {
    throw xtaError('PROFILE_VIOLATION', `XML not well-formed at line ${check.err.line}: ${check.err.code}`);
  }
  let raw: RawNode[];
  try {
    raw = parser.parse(text) as RawNode[];
  } catch (e) {
    throw xtaError('PROFILE_VIOLATION', 'XML rejected by the parser', { cause: e });
  }
  const roots = raw.filter((n) => Object.keys(n).some((k) => k !== ':@' && k !== '#text' && !k.startsWith('?')));
  const root = roots[0];
  if (!root || roots.length !== 1) throw xtaError('PROFILE_VIOLATION', 'XML must have exactly one root element');
  const name = Object.keys(root).find((k) => k !== ':@');
  if (name === undefined) throw xtaError('PROFILE_VIOLATION', 'XML has no root element');
  return convert(name, root[name], root[':@'], new Map(), 0);
}

/** Child elements with a given namespace and local name. */
export function childrenNamed(el: XmlElement, ns: string, local: string): XmlElement[] {
  return el.children.filter((c) => c.ns === ns && c.local === local);
}

/** The first child element with a given namespace and local name. */
export function childNamed(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  return el.children.find((c) => c.ns === ns && c.local === local);
}

/** Attribute value by namespace ('' = unprefixed) and local name. */
export function attrValue(el: XmlElement, local: string, ns = ''): string | undefined {
  return el.attrs.find((a) => a.ns === ns && a.local === local)?.value;
}

/** Escapes text for element content or a double-quoted attribute. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&apos;'));
}

/** Serialises an element standalone: declares every namespace binding it inherits, so it parses on its own. */
export function serializeElement(el: XmlElement): string {
  const out: string[] = [];
  const walk = (node: XmlElement, parentScope: ReadonlyMap<string, string>): void => {
    out.push('<', node.qname);
    for (const [p, uri] of node.scope) {
      if (parentScope.get(p) === uri) continue;
      out.push(' ', p === '' ? 'xmlns' : `xmlns:${p}`, '="', escapeXml(uri), '"');
    }
    for (const a of node.attrs) out.push(' ', a.qname, '="', escapeXml(a.value), '"');
    if (node.nodes.length === 0) {
      out.push('/>');
      return;
    }
    out.push('>');
    for (const n of node.nodes) {
      if ('text' in n && !('qname' in n)) out.push(escapeXml(n.text));
      else walk(n as XmlElement, node.scope);
    }
    out.push('</', node.qname, '>');
  };
  walk(el, new Map());
  return out.join('');
}
