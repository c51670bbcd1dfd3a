import { lookupNamespace } from '@weiche/xml';
import type { XmlDocument, XmlElement, XmlNode } from '@weiche/xml';

/**
 * Exclusive XML Canonicalization 1.0 (https://www.w3.org/TR/xml-exc-c14n/) for the node-sets XML
 * Signature references produce in practice: a whole document (`URI=""`) or one element subtree
 * (`URI="#id"`), optionally minus enveloped `ds:Signature` elements (xmldsig §6.6.4).
 *
 * Limitations, on purpose: arbitrary XPath node-sets are not supported (so no partially selected
 * subtrees, no stray attribute or namespace nodes); attributes are ordered by UTF-16 code units, which
 * differs from the code-point order of the spec only for names mixing astral and U+E000–U+FFFF
 * characters; the input must already be a parsed tree (line ends and attribute values normalised by
 * `parseXml`, as every XML processor does). Namespace inheritance is handled fully: each visibly
 * utilised prefix is looked up through all ancestors, also those outside the canonicalised subtree.
 */
export type ExcC14nOptions = {
  /** InclusiveNamespaces PrefixList: these prefixes ('#default' for the default namespace) are treated as in inclusive c14n. */
  readonly inclusivePrefixes?: readonly string[];
  /** Elements (with their subtrees) left out of the node-set, e.g. the enveloped signature. */
  readonly exclude?: ReadonlySet<XmlElement>;
  /** `#WithComments` variant. */
  readonly withComments?: boolean;
};

function escapeText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;'));
}

function escapeAttr(s: string): string {
  return s.replace(/[&<"\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '"':
        return '&quot;';
      case '\t':
        return '&#x9;';
      case '\n':
        return '&#xA;';
      default:
        return '&#xD;';
    }
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class Canonicalizer {
  readonly out: string[] = [];
  private readonly inclusive: string[];
  constructor(private readonly opts: ExcC14nOptions) {
    this.inclusive = (opts.inclusivePrefixes ?? []).map((p) => (p === '#default' ? '' : p));
  }

  node(n: XmlNode, rendered: ReadonlyMap<string, string>): void {
    switch (n.kind) {
      case 'element':
        this.element(n, rendered);
        return;
      case 'text':
        this.out.push(escapeText(n.value));
        return;
      case 'comment':
        if (this.opts.withComments) this.out.push(`<!--${n.value}-->`);
        return;
      case 'pi':
        this.out.push(n.data === '' ? `<?${n.target}?>` : `<?${n.target} ${n.data}?>`);
        return;
      default:
        n satisfies never;
    }
  }

  private element(el: XmlElement, rendered: ReadonlyMap<string, string>): void {
    if (this.opts.exclude?.has(el)) return;
    // exc-c14n §3: only namespaces visibly utilised here (element and attribute prefixes), plus the PrefixList
    const utilised = new Set<string>([el.prefix]);
    for (const a of el.attributes) if (a.prefix !== '' && a.prefix !== 'xml') utilised.add(a.prefix);
    for (const p of this.inclusive) if (p === '' || lookupNamespace(el, p) !== undefined) utilised.add(p);
    utilised.delete('xml');
    const decls: [string, string][] = [];
    for (const p of utilised) {
      const uri = lookupNamespace(el, p) ?? '';
      // an absent default namespace equals xmlns="" (c14n §4.7 and exc-c14n §3 rule 2)
      const already = p === '' ? (rendered.get('') ?? '') : rendered.get(p);
      if (already !== uri) decls.push([p, uri]);
    }
    decls.sort((a, b) => compare(a[0], b[0]));
    let inner = rendered;
    if (decls.length > 0) {
      const next = new Map(rendered);
      for (const [p, uri] of decls) next.set(p, uri);
      inner = next;
    }
    const qname = el.prefix === '' ? el.localName : `${el.prefix}:${el.localName}`;
    let tag = `<${qname}`;
    for (const [p, uri] of decls) tag += p === '' ? ` xmlns="${escapeAttr(uri)}"` : ` xmlns:${p}="${escapeAttr(uri)}"`;
    const attrs = [...el.attributes].sort((a, b) => compare(a.namespaceUri, b.namespaceUri) || compare(a.localName, b.localName));
    for (const a of attrs) tag += ` ${a.prefix === '' ? a.localName : `${a.prefix}:${a.localName}`}="${escapeAttr(a.value)}"`;
    this.out.push(tag + '>');
    for (const c of el.children) this.node(c, inner);
    this.out.push(`</${qname}>`);
  }
}

/** Canonicalises one element subtree with exclusive c14n (UTF-8 bytes, as digests and signatures need them). */
export function excC14nElement(el: XmlElement, opts: ExcC14nOptions = {}): Buffer {
  const c = new Canonicalizer(opts);
  c.node(el, new Map());
  return Buffer.from(c.out.join(''), 'utf8');
}

/** Canonicalises a whole document with exclusive c14n (document-level comments and PIs separated by newlines, c14n §2.1). */
export function excC14nDocument(doc: XmlDocument, opts: ExcC14nOptions = {}): Buffer {
  const c = new Canonicalizer(opts);
  let afterRoot = false;
  for (const n of doc.children) {
    if (n.kind === 'comment' && !opts.withComments) continue;
    if (n.kind === 'element') {
      c.node(n, new Map());
      afterRoot = true;
      continue;
    }
    if (afterRoot) c.out.push('\n');
    c.node(n, new Map());
    if (!afterRoot) c.out.push('\n');
  }
  return Buffer.from(c.out.join(''), 'utf8');
}
