import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectContent, sharedXsdValidator, zipPackage } from '@weiche/xoev';
import { MappingRegistry, checkContentRules, checkMappingResult, runMapping } from '@weiche/mapping-sdk';
import type { SubmissionAttachment, SubmissionContext } from '@weiche/mapping-sdk';
import { installTempSchemaCache, loadSampleContext, runGoldenSamples } from '@weiche/mapping-sdk/golden';
import { genericXdomea } from './generic-xdomea.js';

const samplesDir = fileURLToPath(new URL('../samples/generic-xdomea', import.meta.url));
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
let cacheDir: string;

beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

function attachment(attachmentId: string, mimeType: string, content: string, extra: Partial<SubmissionAttachment> = {}): SubmissionAttachment {
  const bytes = Buffer.from(content);
  return {
    attachmentId,
    purpose: 'attachment',
    mimeType,
    size: bytes.length,
    sha512: createHash('sha512').update(bytes).digest('hex'),
    open: () => Readable.from([bytes]),
    ...extra,
  };
}

async function sample(name: string): Promise<SubmissionContext> {
  return loadSampleContext(genericXdomea, { samplesDir, cacheDir }, name);
}

describe('generic-xdomea', () => {
  it('declares itself as the wildcard xdomea 0401 mapping', () => {
    expect(genericXdomea).toMatchObject({ id: 'generic-xdomea', version: '2.0.0', sources: [{ schemaUri: '*' }], target: 'xdomea-3.1.0:0401' });
    const registry = new MappingRegistry();
    registry.register(genericXdomea);
    expect(registry.resolve({ schemaUri: 'urn:anything', target: 'xdomea-3.1.0:0401' })).toBe(genericXdomea);
  });

  it('maps every golden sample to an XSD-valid 0401 that meets the content rules and equals the expected file', async () => {
    const report = await runGoldenSamples(genericXdomea, { samplesDir, cacheDir });
    expect(report.samples.map((s) => [s.name, s.error, s.xsd?.valid, s.problems, s.diff])).toEqual([
      ['bauantrag', undefined, true, [], ''],
      ['fuenfzig-anlagen', undefined, true, [], ''],
      ['ohne-daten', undefined, true, [], ''],
    ]);
    const fifty = report.samples[1]?.result;
    expect(fifty?.documents).toHaveLength(52);
    expect(new Set(fifty?.documents.map((d) => d.name)).size).toBe(52);
  });

  it('files the application as PDF/A first, with the JSON as a second Format of the same Dokument', async () => {
    const result = await runMapping(genericXdomea, await sample('bauantrag'));
    const [pdf, json, form] = result.documents;
    expect(pdf?.name).toMatch(new RegExp(`^${UUID}_Antrag\\.pdf$`));
    expect(json?.name).toBe(pdf?.name.replace('Antrag.pdf', 'fachdaten.json'));
    expect(form?.name).toMatch(/_Bauantrag\.pdf$/);
    const facts = await inspectContent(pdf!.source as Buffer, 'application/pdf');
    expect(facts.pdfa).toEqual({ part: '2', conformance: 'B' });
    const firstDokument = /<xdomea:Dokument>[\s\S]*?<\/xdomea:Dokument>/.exec(result.messageXml)?.[0] ?? '';
    expect(firstDokument.match(/<xdomea:Format>/g)).toHaveLength(2);
    expect(firstDokument).toMatch(/<code>044<\/code>\s*<\/xdomea:Name>\s*<xdomea:Version>PDF\/A-2b<\/xdomea:Version>/);
    expect(firstDokument).toContain('<xdomea:SonstigerName>application/json</xdomea:SonstigerName>');

    const xml = result.messageXml;
    expect(xml).toContain('<xdomea:Betreff>Baugenehmigung beantragen – Jürgen Müßig-Größer</xdomea:Betreff>');
    expect(xml).toMatch(/<xdomea:Aktenplaneinheit>\s*<xdomea:Kennzeichen>63\.01\.02<\/xdomea:Kennzeichen>/);
    expect(xml).toContain('<xdomea:Typ>Bauantrag</xdomea:Typ>');
    expect(xml).toContain('<xdomea:Posteingangsdatum>2025-03-01</xdomea:Posteingangsdatum>');
    expect(xml).toMatch(/<xdomea:Name>Referenz des Absenders<\/xdomea:Name>\s*<xdomea:Wert>PORTAL-2025-0042<\/xdomea:Wert>/);
    expect(xml).not.toContain('Bemerkung');
    expect(xml).toContain('<xdomea:Empfangsbestaetigung>0</xdomea:Empfangsbestaetigung>');
    // honest formats: PDF/A attachment 044, PDF 1.4 from its header, a JPEG declared as PNG coded as JPEG
    expect(xml).toMatch(/<code>018<\/code>\s*<\/xdomea:Name>\s*<xdomea:Version>1\.4<\/xdomea:Version>/);
    expect(xml).toMatch(/<code>011<\/code>\s*<\/xdomea:Name>\s*<xdomea:Version>unbekannt<\/xdomea:Version>\s*<xdomea:Primaerdokument>\s*<xdomea:Dateiname>[^<]*_Ansicht Süd\.png</);
    // sanitised names: 255 bytes at most, device names defused, the sender's name kept as DateinameOriginal
    for (const d of result.documents) expect(Buffer.byteLength(d.name)).toBeLessThanOrEqual(255);
    expect(result.documents.some((d) => d.name.endsWith('__CON.txt'))).toBe(true);
    expect(xml).toContain('<xdomea:DateinameOriginal>CON.txt</xdomea:DateinameOriginal>');
    expect(xml).toContain('<xdomea:DateinameOriginal>../../Straße/Lageplan Größe.pdf</xdomea:DateinameOriginal>');
    expect(await checkContentRules(result, { cacheDir })).toEqual([]);

    // The package round-trips through the ZIP writer with the same names.
    const zip = await readAll(zipPackage([{ name: result.messageName, source: Buffer.from(result.messageXml) }, ...result.documents]));
    for (const d of result.documents) expect(zip.includes(Buffer.from(d.name))).toBe(true);
  });

  it('shows no direction override of a sender\'s file name (DateinameOriginal, Betreff), so a ".exe" cannot pass for a ".pdf"', async () => {
    const ctx = await sample('ohne-daten');
    const spoof = 'rechnung\u202efdp.exe';
    const result = await runMapping(genericXdomea, { ...ctx, attachments: [attachment('att-x', 'application/pdf', '%PDF-1.7 x', { filename: spoof })] });
    expect(result.messageXml).not.toMatch(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
    expect(result.messageXml).toContain('<xdomea:DateinameOriginal>rechnungfdp.exe</xdomea:DateinameOriginal>');
    expect(result.messageXml).toContain('<xdomea:Betreff>rechnungfdp.exe</xdomea:Betreff>');
    expect((await sharedXsdValidator({ cacheDir, standardId: 'xdomea-3.1.0' })).validate(result.messageXml)).toEqual({ valid: true, errors: [] });
  });

  it('names in the message every file of the package when a sender\'s file name holds U+FFFE/U+FFFF (XML 1.0 cannot carry them)', async () => {
    const ctx = await sample('ohne-daten');
    const files = [attachment('att-1', 'application/pdf', '%PDF-1.7 x', { filename: 'Plan\ufffe.pdf' }), attachment('att-2', 'application/pdf', '%PDF-1.7 y', { filename: '\uffff' })];
    const result = await runMapping(genericXdomea, { ...ctx, attachments: files });
    const validator = await sharedXsdValidator({ cacheDir, standardId: 'xdomea-3.1.0' });
    expect(checkMappingResult(result, validator)).toEqual([]);
    expect(result.documents.map((d) => d.name.slice(37))).toEqual(['Antrag.pdf', 'fachdaten.json', 'Plan_.pdf', '_']);
  });

  it('a replay gives the same ProzessID, Vorgang and Dokument ids (UUIDv5 from submission and target), another submission others', async () => {
    const { newId: _n, ...ctx } = await sample('bauantrag');
    const first = await runMapping(genericXdomea, ctx);
    const again = await runMapping(genericXdomea, ctx);
    const ids = (xml: string): string[] => [...xml.matchAll(/<xdomea:ID>([^<]+)<\/xdomea:ID>/g)].map((m) => m[1]!);
    expect(again.prozessId).toBe(first.prozessId);
    expect(ids(again.messageXml)).toEqual(ids(first.messageXml));
    expect(new Set([first.prozessId, ...ids(first.messageXml)]).size).toBe(ids(first.messageXml).length + 1);
    const other = await runMapping(genericXdomea, { ...ctx, submissionId: '0b1c2d3e-0000-4000-8000-000000000099' });
    expect(other.prozessId).not.toBe(first.prozessId);
    const validator = await sharedXsdValidator({ cacheDir, standardId: 'xdomea-3.1.0' });
    expect(checkMappingResult(first, validator)).toEqual([]);
  });

  it('puts the sender\'s form PDF after the application, XML data as fachdaten.xml, unnamed attachments as <attachmentId>.<ext>', async () => {
    const base = await sample('ohne-daten');
    const ctx: SubmissionContext = {
      ...base,
      data: { schemaUri: 'urn:x', mimeType: 'application/xml', content: Buffer.from('<?xml version="1.0"?><a><b>Wert</b></a>'), sha512: 'x' },
      attachments: [attachment('anlage-7', 'application/pdf', '%PDF-1.5\n'), attachment('form-1', 'application/pdf', '%PDF-1.7\n', { purpose: 'form', filename: 'Antrag des Portals.pdf' })],
    };
    const result = await runMapping(genericXdomea, ctx);
    expect(result.documents.map((d) => d.name.slice(37))).toEqual(['Antrag.pdf', 'fachdaten.xml', 'Antrag des Portals.pdf', 'anlage-7.pdf']);
    expect(result.messageXml).toContain('<xdomea:DateinameOriginal>anlage-7.pdf</xdomea:DateinameOriginal>');
    expect(result.messageXml).toMatch(/<code>030<\/code>\s*<\/xdomea:Name>\s*<xdomea:Version>1\.0<\/xdomea:Version>/);
    // no Behördenkennung configured: the Absender has none, rather than an invented one
    expect(/<xdomea:Absender>[\s\S]*?<\/xdomea:Absender>/.exec(result.messageXml)?.[0]).not.toContain('Behoerdenkennung');
    expect(await checkContentRules(result, { cacheDir })).toEqual([]);
  });
});
