import { ampersandsEscaped } from './xml-ampersand.js';

// XML 1.0 forbids most C0 controls and lone surrogates; sender-supplied text must not break the message.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text for xmlbuilder2's `.txt()`/`.att()`: characters XML 1.0 cannot carry removed, `&` escaped (xml-ampersand.ts). */
export function xmlText(value: string): string {
  return ampersandsEscaped(value.replace(INVALID_XML_CHARS, ''));
}
