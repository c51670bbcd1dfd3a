import { XmlDocument, XmlLibError } from 'libxml2-wasm';

/** Parses with libxml2 only (no schema) and reports well-formedness; the baseline the XSD validation cost is measured against. */
export function isWellFormedLibxml(xml: string): boolean {
  try {
    XmlDocument.fromString(xml).dispose();
    return true;
  } catch (e) {
    if (e instanceof XmlLibError) return false;
    throw e;
  }
}
