import { describe, expect, it } from 'vitest';
import { decodeBase64Strict } from './base64.js';
import { XtaFault } from './xta-errors.js';

const BYTES = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 31) % 256));

function refusal(text: string): XtaFault | undefined {
  try {
    decodeBase64Strict(text, 'xta:Message');
    return undefined;
  } catch (e) {
    if (e instanceof XtaFault) return e;
    throw e;
  }
}

describe('decodeBase64Strict', () => {
  it('takes the whitespace and line breaks MIME and XML allow between the characters', () => {
    const b64 = BYTES.toString('base64');
    const mimeLines = b64.replace(/.{1,76}/g, '$&\r\n');
    const xmlIndented = `\n\t  ${b64.slice(0, 10)} ${b64.slice(10, 50)}\n${b64.slice(50)}  \n`;
    for (const text of [b64, mimeLines, xmlIndented, '', ' \r\n ']) {
      expect(decodeBase64Strict(text, 'x').equals(text.trim() === '' ? Buffer.alloc(0) : BYTES)).toBe(true);
    }
    expect(decodeBase64Strict('YQ==', 'x').toString()).toBe('a');
    expect(decodeBase64Strict('YWI=', 'x').toString()).toBe('ab');
  });

  it('refuses what Buffer.from(…, "base64") would decode to other bytes: 9052, naming the part only', () => {
    const b64 = BYTES.toString('base64');
    const bad = [
      `${b64.slice(0, 40)}*${b64.slice(41)}`, // a character outside the alphabet
      `${b64.slice(0, 40)}-_${b64.slice(42)}`, // base64url
      `${b64.slice(0, 40)}\u00a0${b64.slice(40)}`, // a space that is not XML whitespace
      `${b64.slice(0, 40)}\f${b64.slice(41)}`, // form feed: whitespace to Node's decoder, not to XML or MIME
      `${b64.slice(0, 40)}\u0141${b64.slice(41)}`, // Node's decoder reads a character by its low byte: "A"
      `${b64.slice(0, 40)}\u013d${b64.slice(41)}`, // … and this one as "=", ending the decode
      `${b64.slice(0, 40)}=${b64.slice(41)}`, // padding inside
      b64.slice(0, -1), // truncated
      'YQ', // padding left out
      'YQ==YQ==', // padding inside
      'YR==', // bits after the last byte are not zero (decodes like YQ==)
      'YWJ=', // same for one pad (decodes like YWI=)
      'Y===',
    ];
    for (const text of bad) {
      const f = refusal(text);
      expect(f?.fehlernummer, JSON.stringify(text)).toBe('9052');
      expect(f?.kind).toBe('MessageSchemaViolationException');
      expect(f?.message).toBe('xta:Message is not valid base64');
    }
  });
});
