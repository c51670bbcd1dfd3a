import { parseXml, XmlSyntaxError } from '@weiche/xml';
import { xmlDataRefused } from '@weiche/xoev';

/** Namespace and local name of an XML document's root element. */
export interface XmlRoot {
  namespace: string;
  rootElement: string;
}

/**
 * Reads the root element's namespace and local name with the hub's one XML reader. Content that reader
 * refuses — not well-formed, a DOCTYPE or entity declaration (XXE, SSRF at the back office), not UTF-8 — is
 * an input problem (SYNTAX_VIOLATION of the data): the hub never forwards such a document.
 */
export function detectXmlRoot(content: string | Buffer): XmlRoot {
  try {
    const { root } = parseXml(content);
    return { namespace: root.namespaceUri, rootElement: root.localName };
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw xmlDataRefused(error, 'map');
    throw error;
  }
}
