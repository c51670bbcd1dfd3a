import { XMLParser } from 'fast-xml-parser';
import { ErrorCode, inputProblem, type WeicheError } from '@weiche/core';
import { parseXml as parseStrict, XmlSyntaxError } from '@weiche/xml';

const objectView = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, parseAttributeValue: false, trimValues: true });

/**
 * Parses XML form data into a plain object for mapping modules (attributes as `@_name`, namespace prefixes
 * kept). The hub's one XML reader checks it first: XML that is not well-formed, has a DOCTYPE or entity
 * declarations, or is not UTF-8 is a SYNTAX_VIOLATION of the data — never passed on to a back office.
 */
export function parseXml(content: string | Buffer): unknown {
  return readXmlData(content).view;
}

/** XML form data as parseXml reads it, with its root element's namespace and local name (how mapping modules are chosen). */
export function readXmlData(content: string | Buffer): { root: { namespace: string; rootElement: string }; view: unknown } {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  let root: { namespaceUri: string; localName: string };
  try {
    ({ root } = parseStrict(text));
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw xmlDataRefused(e);
    throw e;
  }
  return { root: { namespace: root.namespaceUri, rootElement: root.localName }, view: objectView.parse(text) as unknown };
}

/**
 * The input problem of XML form data the hub's XML reader refuses. The sender reads its detail (reject-submission,
 * transport report), so it is German like the hub's other refusals; the reader's message names a position and a
 * reason, never the content.
 */
export function xmlDataRefused(error: XmlSyntaxError, stage?: 'map'): WeicheError {
  return inputProblem(ErrorCode.SYNTAX_VIOLATION, `Die XML-Fachdaten werden nicht angenommen: ${error.message}`, { part: 'data', ...(stage ? { stage } : {}) });
}
