import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XsdValidator, parseXml, zipPackage } from '@weiche/xoev';
import { MappingRegistry, checkMappingResult, runMapping } from '@weiche/mapping-sdk';
import type { SubmissionAttachment, SubmissionContext } from '@weiche/mapping-sdk';
import { createGenericXdomea, genericXdomea } from './generic-xdomea.js';

const INSTALL_SCRIPT = fileURLToPath(new URL('../../../../scripts/install-schemas.mjs', import.meta.url));
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

let cacheDir: string;
let validator: XsdValidator;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'weiche-generic-'));
  await promisify(execFile)(process.execPath, [INSTALL_SCRIPT], { env: { ...process.env, WEICHE_SCHEMA_CACHE: cacheDir } });
  validator = await XsdValidator.load({ cacheDir, standardId: 'xdomea-3.1.0' });
});
afterAll(async () => {
  validator.close();
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

function context(over: Partial<SubmissionContext> = {}): SubmissionContext {
  const json = Buffer.from(JSON.stringify({ antragsteller: { name: 'Anna Muster' } }));
  return {
    submissionId: '5b0c2d9e-4a43-4c51-9f0e-3c9c4b5a0a01',
    caseId: 'a1c3c0de-0000-4000-8000-000000000001',
    serviceIdentifier: 'urn:de:fim:leika:leistung:99010003001006',
    serviceName: 'Baugenehmigung beantragen',
    senderReference: 'PORTAL-2025-0042',
    receivedAt: new Date('2025-03-01T10:00:00Z'),
    tenant: { id: 'muenster', name: 'Stadt Münster', behoerdenkennung: 'ags:05515000', organisationseinheit: 'Bauordnungsamt' },
    sender: { name: 'Bauportal NRW', behoerdenkennung: 'psw:01000001' },
    data: { schemaUri: 'urn:xoev-de:xfall:standard:fim-s00000096_1.0', mimeType: 'application/json', content: json, sha512: 'x' },
    attachments: [
      attachment('att-1', 'application/pdf', 'plan', { filename: 'Bauzeichnung_Größe.pdf', description: 'Bauzeichnung' }),
      attachment('att-2', 'image/jpeg', 'foto', { filename: '../../Straße/Ansicht Süd.jpg' }),
    ],
    hub: { product: 'Weiche', version: '0.1.0' },
    ...over,
  };
}

function dateinamen(xml: string): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'xdomea:Dateiname') out.push(String(v));
      else walk(v);
    }
  };
  walk(parseXml(xml));
  return out;
}

let mapping: ReturnType<typeof createGenericXdomea>;
beforeAll(() => {
  mapping = createGenericXdomea({ cacheDir });
});

describe('generic-xdomea', () => {
  it('declares itself as the wildcard xdomea 0401 mapping', () => {
    expect(genericXdomea).toMatchObject({ id: 'generic-xdomea', version: '1.0.0', sources: [{ schemaUri: '*' }], target: 'xdomea-3.1.0:0401' });
    const registry = new MappingRegistry();
    registry.register(genericXdomea);
    expect(registry.resolve({ schemaUri: 'urn:anything', target: 'xdomea-3.1.0:0401' })).toBe(genericXdomea);
  });

  it('maps JSON data + 2 attachments to a valid 0401 referencing every document', async () => {
    const ctx = context();
    const result = await runMapping(mapping, ctx);
    expect(validator.validate(result.messageXml)).toEqual({ valid: true, errors: [] });
    expect(checkMappingResult(result, validator)).toEqual([]);
    expect(result.packageName).toBe(`${result.prozessId}_Abgabe.Abgabe.0401.zip`);
    expect(result.messageName).toBe(`${result.prozessId}_Abgabe.Abgabe.0401.xml`);

    const names = result.documents.map((d) => d.name);
    expect(names).toHaveLength(3);
    expect(names[0]).toMatch(new RegExp(`^${UUID}_fachdaten\\.json$`));
    expect(names[1]).toMatch(new RegExp(`^${UUID}_Bauzeichnung_Größe\\.pdf$`));
    expect(names[2]).toMatch(new RegExp(`^${UUID}_Ansicht Süd\\.jpg$`));
    expect(dateinamen(result.messageXml)).toEqual(names);

    const xml = result.messageXml;
    expect(xml).toContain('<xdomea:Betreff>Baugenehmigung beantragen</xdomea:Betreff>');
    expect(xml).toContain('urn:de:fim:leika:leistung:99010003001006');
    expect(xml).toContain('PORTAL-2025-0042');
    expect(xml).toContain('5b0c2d9e-4a43-4c51-9f0e-3c9c4b5a0a01');
    expect(xml).toContain('<xdomea:DateinameOriginal>../../Straße/Ansicht Süd.jpg</xdomea:DateinameOriginal>');
    expect(xml).toContain('<code>018</code>');
    // Personal data stays in the document, not in the message metadata.
    expect(xml).not.toContain('Anna Muster');

    // The package round-trips through the ZIP writer with the same names.
    const zip = await readAll(zipPackage([{ name: result.messageName, source: Buffer.from(result.messageXml) }, ...result.documents]));
    for (const n of names) expect(zip.includes(Buffer.from(n))).toBe(true);
  });

  it('without data: only the attachments, Betreff falls back to the service identifier', async () => {
    const { data: _data, serviceName: _name, ...rest } = context();
    const result = await runMapping(mapping, rest);
    expect(result.documents).toHaveLength(2);
    expect(result.documents.some((d) => d.name.includes('fachdaten'))).toBe(false);
    expect(result.messageXml).toContain('<xdomea:Betreff>urn:de:fim:leika:leistung:99010003001006</xdomea:Betreff>');
    expect(checkMappingResult(result, validator)).toEqual([]);
  });

  it('puts the form PDF first, XML data as fachdaten.xml, unnamed attachments as <attachmentId>.<ext>', async () => {
    const ctx = context({
      data: { schemaUri: 'urn:x', mimeType: 'application/xml', content: Buffer.from('<a/>'), sha512: 'x' },
      attachments: [attachment('anlage-7', 'application/pdf', 'x'), attachment('form-1', 'application/pdf', 'f', { purpose: 'form', filename: 'Antrag.pdf' })],
    });
    const result = await runMapping(mapping, ctx);
    expect(result.documents.map((d) => d.name.slice(37))).toEqual(['Antrag.pdf', 'fachdaten.xml', 'anlage-7.pdf']);
    expect(result.messageXml).toContain('<xdomea:DateinameOriginal>anlage-7.pdf</xdomea:DateinameOriginal>');
    expect(checkMappingResult(result, validator)).toEqual([]);
  });

  it('handles 50 attachments with unique ids and names', async () => {
    const attachments = Array.from({ length: 50 }, (_, i) => attachment(`att-${i}`, 'application/pdf', `file ${i}`, { filename: 'Nachweis.pdf' }));
    const result = await runMapping(mapping, context({ attachments }));
    expect(result.documents).toHaveLength(51);
    expect(new Set(result.documents.map((d) => d.name)).size).toBe(51);
    expect(validator.validate(result.messageXml).valid).toBe(true);
    expect(checkMappingResult(result, validator)).toEqual([]);
    const ids = [...result.messageXml.matchAll(/<xdomea:ID>([^<]+)<\/xdomea:ID>/g)].map((m) => m[1]);
    expect(ids).toHaveLength(52);
    expect(new Set([...ids, result.prozessId]).size).toBe(53);
  });
});
