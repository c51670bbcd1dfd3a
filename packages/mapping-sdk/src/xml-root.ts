/** Namespace and local name of an XML document's root element. */
export interface XmlRoot {
  namespace: string;
  rootElement: string;
}

/** Reads the root element's namespace and local name (prefix resolved through the root's xmlns attributes); undefined when there is no root tag. */
export function detectXmlRoot(content: string | Buffer): XmlRoot | undefined {
  // Only the start tag matters; reading the head keeps this cheap for large payloads. Prolog,
  // comments and a DOCTYPE may precede the root.
  const head = (typeof content === 'string' ? content.slice(0, 65536) : content.subarray(0, 65536).toString('utf8'))
    .replace(/^\ufeff/, '')
    .replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>/g, '');
  const start = /^\s*<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/.exec(head);
  if (!start?.[1]) return undefined;
  const tag = start[1];
  const colon = tag.indexOf(':');
  const prefix = colon >= 0 ? tag.slice(0, colon) : undefined;
  const attrs = new Map<string, string>();
  for (const m of (start[2] ?? '').matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    if (m[1]) attrs.set(m[1], m[2] ?? m[3] ?? '');
  }
  return { namespace: attrs.get(prefix === undefined ? 'xmlns' : `xmlns:${prefix}`) ?? '', rootElement: colon >= 0 ? tag.slice(colon + 1) : tag };
}
