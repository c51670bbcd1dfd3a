import { parseXml, XmlSyntaxError, type XmlElement as StrictElement } from '@weiche/xml';
import { xtaError } from './xta-errors.js';

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
  /** Namespace declarations made on this element itself (what it adds to its parent's scope). */
  readonly declarations?: ReadonlyMap<string, string>;
}

const MAX_DEPTH = 64;
// Each element costs about 1 KB of heap in the two trees: an 8 MB body of `<a/>`s took 2 GB, the default
// body limit's worth more than the process has. An envelope's binary content is text, not elements: a
// status list of 1 000 MessageMetaData is some 30 000 elements.
const MAX_ELEMENTS = 100_000;

const qnameOf = (prefix: string, local: string): string => (prefix === '' ? local : `${prefix}:${local}`);

/**
 * The in-scope bindings of an element, merged only when asked for: merging eagerly copied the parent's
 * whole scope into every element that declares a namespace, O(n²) for a hostile envelope with many of both.
 */
function lazyScope(parentScope: () => ReadonlyMap<string, string>, declarations: ReadonlyMap<string, string>): () => ReadonlyMap<string, string> {
  if (declarations.size === 0) return parentScope;
  let merged: Map<string, string> | undefined;
  return () => {
    if (!merged) {
      merged = new Map(parentScope());
      for (const [prefix, uri] of declarations) merged.set(prefix, uri);
    }
    return merged;
  };
}

/** The SOAP parser's view of an element of the hub's one XML reader (@weiche/xml). */
function view(el: StrictElement, parentScope: () => ReadonlyMap<string, string>, depth: number): XmlElement {
  if (depth > MAX_DEPTH) throw xtaError('PROFILE_VIOLATION', `XML nests deeper than ${MAX_DEPTH} levels`);
  const scope = lazyScope(parentScope, el.nsDeclarations);
  const attrs = el.attributes.map((a) => ({ ns: a.namespaceUri, local: a.localName, qname: qnameOf(a.prefix, a.localName), value: a.value }));
  const out: XmlElement = {
    ns: el.namespaceUri,
    local: el.localName,
    qname: qnameOf(el.prefix, el.localName),
    attrs,
    children: [],
    nodes: [],
    text: '',
    declarations: el.nsDeclarations,
    get scope() {
      return scope();
    },
  };
  for (const child of el.children) {
    if (child.kind === 'text') {
      out.nodes.push({ text: child.value });
      out.text += child.value;
    } else if (child.kind === 'element') {
      const sub = view(child, scope, depth + 1);
      out.children.push(sub);
      out.nodes.push(sub);
    }
  }
  return out;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Buffer#toString would turn bytes of another encoding (ISO-8859-1 without a declaration) into U+FFFD
// and the request would be accepted with its names and ids silently changed (XML 1.0 §4.3.3: fatal).
function decodeUtf8(input: Buffer): string {
  try {
    return UTF8.decode(input);
  } catch {
    throw xtaError('WRONG_ENCODING', 'the XML is not well-formed UTF-8');
  }
}

/**
 * Parses XML into a namespace-resolved tree with the hub's one XML reader, which refuses DTDs and entity
 * declarations (no XXE, no entity expansion); non-UTF-8 XML is fault 9051, malformed XML 9052.
 */
export function parseXmlTree(input: string | Buffer): XmlElement {
  let text = typeof input === 'string' ? input : decodeUtf8(input);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const decl = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(text);
  if (decl?.[1] && !/^utf-?8$/i.test(decl[1])) throw xtaError('WRONG_ENCODING', 'only UTF-8 encoded XML is accepted');
  try {
    const none: ReadonlyMap<string, string> = new Map();
    return view(parseXml(text, { maxElements: MAX_ELEMENTS }).root, () => none, 0);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw xtaError('PROFILE_VIOLATION', `XML refused: ${error.message}`, { cause: error });
    throw error;
  }
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
  const declare = (p: string, uri: string): void => void out.push(' ', p === '' ? 'xmlns' : `xmlns:${p}`, '="', escapeXml(uri), '"');
  const walk = (node: XmlElement, parent: XmlElement | undefined): void => {
    out.push('<', node.qname);
    // the subtree's root declares everything it inherits; below it, each element repeats its own
    // declarations (comparing every element's whole scope with its parent's would be O(n²) again)
    if (parent === undefined) for (const [p, uri] of node.scope) declare(p, uri);
    else if (node.declarations) for (const [p, uri] of node.declarations) declare(p, uri);
    else for (const [p, uri] of node.scope) if (parent.scope.get(p) !== uri) declare(p, uri);
    for (const a of node.attrs) out.push(' ', a.qname, '="', escapeXml(a.value), '"');
    if (node.nodes.length === 0) {
      out.push('/>');
      return;
    }
    out.push('>');
    for (const n of node.nodes) {
      if ('text' in n && !('qname' in n)) out.push(escapeXml(n.text));
      else walk(n as XmlElement, node);
    }
    out.push('</', node.qname, '>');
  };
  walk(el, undefined);
  return out.join('');
}
