import { appendFile, chmod, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { ContentInspector, inspectContent } from './content-facts.js';
import { dateiformatCode, dateiformatFor } from './dateiformat.js';
import { installTempSchemaCache } from './test-support.js';

let cacheDir: string;
const cleanup: string[] = [];
beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
  cleanup.push(cacheDir);
});
afterAll(async () => {
  await Promise.all(cleanup.map((d) => rm(d, { recursive: true, force: true })));
});

describe('dateiformatCode', () => {
  it('maps MIME types to codes of the Dateiformat 1.0 list', () => {
    expect(dateiformatCode('application/pdf', { cacheDir })).toBe('018');
    expect(dateiformatCode('application/vnd.openxmlformats-officedocument.wordprocessingml.document', { cacheDir })).toBe('035');
    expect(dateiformatCode('image/png', { cacheDir })).toBe('019');
    expect(dateiformatCode('image/jpeg', { cacheDir })).toBe('011');
    expect(dateiformatCode('text/xml; charset=utf-8', { cacheDir })).toBe('030');
  });

  it('falls back to the list\'s "Sonstiges" code for unknown formats', () => {
    expect(dateiformatCode('application/json', { cacheDir })).toBe('100');
    expect(dateiformatCode('application/x-whatever', { cacheDir })).toBe('100');
  });
});

describe('dateiformatFor (format from content)', () => {
  const pdf = (header: string, xmp = ''): Buffer => Buffer.from(`${header}\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Metadata /Subtype /XML >>\nstream\n${xmp}\nendstream\nendobj\n%%EOF\n`, 'latin1');

  it('reads the PDF version from the header, not "unbekannt"', async () => {
    const facts = await inspectContent(pdf('%PDF-1.4'), 'application/octet-stream');
    expect(facts.mimeType).toBe('application/pdf');
    expect(dateiformatFor(facts, { cacheDir })).toEqual({ code: '018', version: '1.4' });
  });

  it('codes PDF/A as 044 with part and conformance from the XMP identification', async () => {
    const xmp = '<rdf:Description xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>';
    const facts = await inspectContent(pdf('%PDF-1.7', xmp), 'application/pdf');
    expect(facts.pdfa).toEqual({ part: '2', conformance: 'B' });
    expect(dateiformatFor(facts, { cacheDir })).toEqual({ code: '044', version: 'PDF/A-2b' });
  });

  it('takes the same facts chunk by chunk, with the PDF/A identification split across chunks', async () => {
    const xmp = '<rdf:Description xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>3</pdfaid:part><pdfaid:conformance>u</pdfaid:conformance></rdf:Description>';
    const whole = pdf('%PDF-1.7', xmp);
    const inspector = new ContentInspector();
    // 7-byte chunks cut the head, `pdfaid:` and the values everywhere
    for (let at = 0; at < whole.length; at += 7) inspector.update(whole.subarray(at, at + 7));
    const facts = await inspector.facts('application/pdf');
    expect(facts.pdfa).toEqual({ part: '3', conformance: 'U' });
    expect(facts).toEqual(await inspectContent(whole, 'application/pdf'));
  });

  it('believes magic bytes, not the declared type or name', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    const facts = await inspectContent(png, 'application/pdf');
    expect(facts).toMatchObject({ mimeType: 'image/png', detected: true });
    expect(dateiformatFor(facts, { cacheDir })).toEqual({ code: '019', version: 'unbekannt' });
    const fake = await inspectContent(Buffer.from('not a pdf at all \u0000\u0001'), 'application/pdf');
    expect(fake).toMatchObject({ mimeType: 'application/octet-stream', detected: false });
    expect(dateiformatFor(fake, { cacheDir })).toEqual({ code: '100', otherName: 'application/octet-stream', version: 'unbekannt' });
  });

  it('accepts text formats that have no magic when the text fits the declaration', async () => {
    const xml = await inspectContent(Buffer.from('<?xml version="1.0" encoding="UTF-8"?><a/>'), 'application/xml');
    expect(dateiformatFor(xml, { cacheDir })).toEqual({ code: '030', version: '1.0' });
    const json = await inspectContent(Buffer.from('{"a":1}'), 'application/json');
    expect(dateiformatFor(json, { cacheDir })).toEqual({ code: '100', otherName: 'application/json', version: 'unbekannt' });
    expect((await inspectContent(Buffer.from('plain words'), 'application/json')).mimeType).toBe('application/octet-stream');
  });

  it('refuses a tampered code list', async () => {
    const tampered = await mkdtemp(join(tmpdir(), 'weiche-cl-'));
    cleanup.push(tampered);
    await cp(cacheDir, tampered, { recursive: true });
    const file = join(tampered, 'xdomea/codelists/Dateiformat_1.0.xml');
    await chmod(file, 0o644);
    await appendFile(file, '\n');
    expect(() => dateiformatCode('application/pdf', { cacheDir: tampered })).toThrow(
      expect.objectContaining({ code: ErrorCode.SCHEMA_FILE_TAMPERED }),
    );
  });
});
