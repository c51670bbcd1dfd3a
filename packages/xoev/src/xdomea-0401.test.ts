import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { buildXdomea0401 } from './xdomea-0401.js';
import type { Xdomea0401Input, XdomeaDocumentInput } from './xdomea-0401.js';
import type { Dateiformat } from './dateiformat.js';
import { XsdValidator } from './xsd-validator.js';
import { installTempSchemaCache } from './test-support.js';

let cacheDir: string;
let validator: XsdValidator;
let workDir: string;

beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
  workDir = await mkdtemp(join(tmpdir(), 'weiche-xml-'));
  validator = await XsdValidator.load({ cacheDir, standardId: 'xdomea-3.1.0' });
});
afterAll(async () => {
  validator.close();
  await rm(cacheDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
});

/** Cross-check with the system libxml2 (xmllint), independent of the wasm build. */
async function xmllint(xml: string): Promise<{ ok: boolean; stderr: string }> {
  const file = join(workDir, `${randomUUID()}.xml`);
  await writeFile(file, xml);
  try {
    await promisify(execFile)('xmllint', ['--noout', '--schema', join(cacheDir, 'xdomea/3.1.0/xdomea.xsd'), file]);
    return { ok: true, stderr: '' };
  } catch (e) {
    return { ok: false, stderr: String((e as { stderr?: string }).stderr) };
  }
}

function doc(name: string, format: Dateiformat): XdomeaDocumentInput {
  const id = randomUUID();
  return { id, title: name, formats: [{ fileName: `${id}_${name}`, originalName: name, format }] };
}

function input(over: Partial<Xdomea0401Input> = {}): Xdomea0401Input {
  return {
    prozessId: randomUUID(),
    createdAt: new Date('2025-03-01T10:00:00Z'),
    sender: { behoerdenkennung: 'psw:01000000', name: 'Weiche Hub' },
    recipient: { behoerdenkennung: 'ags:05515000', name: 'Stadt Münster', organisationseinheit: 'Bauordnungsamt' },
    sendingSystem: { product: 'Weiche', version: '0.1.0' },
    vorgangId: randomUUID(),
    subject: 'Baugenehmigung beantragen',
    documents: [
      doc('fachdaten.json', { code: '100', otherName: 'application/json', version: 'unbekannt' }),
      doc('Bauzeichnung_Größe.pdf', { code: '018', version: '1.4' }),
      doc('Foto.JPG', { code: '011', version: 'unbekannt' }),
    ],
    cacheDir,
    ...over,
  };
}

const parser = new XMLParser({ ignoreAttributes: false, isArray: (n) => n === 'xdomea:Dokument' });

describe('buildXdomea0401', () => {
  it('produces a message valid for libxml2-wasm and xmllint, with one Dokument per file', async () => {
    const inp = input();
    const xml = buildXdomea0401(inp);
    expect(validator.validate(xml)).toEqual({ valid: true, errors: [] });
    expect(await xmllint(xml)).toEqual({ ok: true, stderr: '' });

    const root = parser.parse(xml)['xdomea:Abgabe.Abgabe.0401'];
    expect(root['@_xmlns:xdomea']).toBe('urn:xoev-de:xdomea:schema:3.1.0');
    expect(root['xdomea:Kopf']['xdomea:ProzessID']).toBe(inp.prozessId);
    expect(root['xdomea:Kopf']['xdomea:Importbestaetigung']).toBe(1);
    expect(root['xdomea:Kopf']['xdomea:Erstellungszeitpunkt']).toBe('2025-03-01T10:00:00.000Z');
    const vorgang = root['xdomea:Schriftgutobjekt']['xdomea:Vorgang'];
    expect(vorgang['xdomea:AllgemeineMetadaten']['xdomea:Betreff']).toBe('Baugenehmigung beantragen');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed XML is untyped; the assertions check its shape
    const docs = vorgang['xdomea:Dokument'] as Array<Record<string, any>>;
    expect(docs.map((d) => d['xdomea:Identifikation']['xdomea:ID'])).toEqual(inp.documents.map((d) => d.id));
    const formats = docs.map((d) => d['xdomea:Version']['xdomea:Format']);
    expect(formats.map((f) => String(f['xdomea:Name']['code']).padStart(3, '0'))).toEqual(['100', '018', '011']);
    expect(formats.map((f) => f['xdomea:Name']['@_listVersionID'])).toEqual(['1.0', '1.0', '1.0']);
    expect(formats[1]['xdomea:Primaerdokument']['xdomea:Dateiname']).toBe(inp.documents[1]?.formats[0]?.fileName);
    expect(formats[1]['xdomea:Version']).toBe(1.4);
    expect(formats[0]['xdomea:SonstigerName']).toBe('application/json');
    expect(root['xdomea:Kopf']['xdomea:Empfangsbestaetigung']).toBe(0);
    expect(formats[1]['xdomea:Primaerdokument']['xdomea:DateinameOriginal']).toBe('Bauzeichnung_Größe.pdf');
    // Every object has its own UUID.
    const ids = [inp.prozessId, vorgang['xdomea:Identifikation']['xdomea:ID'], ...inp.documents.map((d) => d.id)];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('the validator catches a wrong Importbestaetigung with a line number', async () => {
    const xml = buildXdomea0401(input()).replace('<xdomea:Importbestaetigung>1<', '<xdomea:Importbestaetigung>true<');
    const result = validator.validate(xml);
    expect(result.valid).toBe(false);
    expect(result.errors[0]).toMatch(/^line \d+:\d+: .*Importbestaetigung/);
    expect((await xmllint(xml)).ok).toBe(false);
  });

  it('carries several Formats per Dokument, filing metadata, Posteingangsdatum and the hub\'s extension fields', async () => {
    const id = randomUUID();
    const application: XdomeaDocumentInput = {
      id,
      title: 'Antrag',
      receivedOn: '2025-03-01',
      formats: [
        { fileName: `${id}_Antrag.pdf`, originalName: 'Antrag.pdf', format: { code: '044', version: 'PDF/A-2b' } },
        { fileName: `${id}_fachdaten.json`, originalName: 'fachdaten.json', format: { code: '100', otherName: 'application/json', version: 'unbekannt' } },
      ],
    };
    const xml = buildXdomea0401(
      input({
        documents: [application],
        filing: { aktenplaneinheit: '63.01.02', vorgangstyp: 'Bauantrag' },
        extension: { kennung: 'urn:weiche:xdomea:einreichung', name: 'Einreichung', version: '1', felder: [{ name: 'Einreichung', wert: 'abc' }] },
      }),
    );
    expect(validator.validate(xml)).toEqual({ valid: true, errors: [] });
    expect(await xmllint(xml)).toEqual({ ok: true, stderr: '' });
    expect(xml.match(/<xdomea:Format>/g)).toHaveLength(2);
    expect(xml).toContain('<xdomea:Aktenplaneinheit>\n          <xdomea:Kennzeichen>63.01.02</xdomea:Kennzeichen>');
    expect(xml).toContain('<xdomea:Typ>Bauantrag</xdomea:Typ>');
    expect(xml).toContain('<xdomea:Posteingangsdatum>2025-03-01</xdomea:Posteingangsdatum>');
    expect(xml).toMatch(/<xdomea:Feld>\s*<xdomea:Name>Einreichung<\/xdomea:Name>\s*<xdomea:Wert>abc<\/xdomea:Wert>/);
    expect(xml).not.toContain('Bemerkung');
    expect(() => buildXdomea0401(input({ documents: [{ ...application, formats: [] }] }))).toThrow(/no Format/);
    expect(() => buildXdomea0401(input({ documents: [doc('x.bin', { code: '999', version: '1' })] }))).toThrow(/not in the Dateiformat list/);
  });

  it('works without Organisationseinheit, Behoerdenkennung and documents, and strips characters XML forbids', async () => {
    const xml = buildXdomea0401(
      input({ subject: 'Antrag\u0001 Größe', documents: [], sender: { name: 'Portal' }, recipient: { behoerdenkennung: '05515000', name: 'Stadt' } }),
    );
    expect(xml).toContain('<xdomea:Betreff>Antrag Größe</xdomea:Betreff>');
    expect(validator.validate(xml).valid).toBe(true);
    expect((await xmllint(xml)).ok).toBe(true);
  });

  // xmlbuilder2 leaves an `&` unescaped when an entity name and `;` follow: "&e;" broke the message, "&lt;" changed the name
  it('carries sender text with entity-like sequences verbatim and well-formed', async () => {
    const names = ['Plan &e;.pdf', 'A&lt;B&amp;C&#0;.pdf', 'Müller & Söhne.pdf'];
    const documents = names.map((name) => doc(name, { code: '018', version: '1.4' }));
    const xml = buildXdomea0401(input({ subject: 'Antrag &nbsp;&e;', documents }));
    expect(validator.validate(xml)).toEqual({ valid: true, errors: [] });
    expect(await xmllint(xml)).toEqual({ ok: true, stderr: '' });
    const root = new XMLParser({ processEntities: true, htmlEntities: false, isArray: (n) => n === 'xdomea:Dokument' }).parse(xml)['xdomea:Abgabe.Abgabe.0401'];
    const vorgang = root['xdomea:Schriftgutobjekt']['xdomea:Vorgang'];
    expect(vorgang['xdomea:AllgemeineMetadaten']['xdomea:Betreff']).toBe('Antrag &nbsp;&e;');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed XML is untyped
    const originals = (vorgang['xdomea:Dokument'] as Array<Record<string, any>>).map((d) => d['xdomea:Version']['xdomea:Format']['xdomea:Primaerdokument']['xdomea:DateinameOriginal']);
    expect(originals).toEqual(names);
  });

  it('rejects reused ids and file names without a UUID prefix', () => {
    const pdf = { code: '018', version: '1.7' };
    const d = doc('a.pdf', pdf);
    expect(() => buildXdomea0401(input({ documents: [d, { ...d, formats: [{ fileName: `${randomUUID()}_b.pdf`, originalName: 'b.pdf', format: pdf }] }] }))).toThrow(
      expect.objectContaining({ code: ErrorCode.UNPROCESSABLE }),
    );
    const p = input();
    expect(() => buildXdomea0401({ ...p, vorgangId: p.prozessId })).toThrow(/unique/);
    expect(() => buildXdomea0401(input({ documents: [{ ...d, formats: [{ fileName: 'a.pdf', originalName: 'a.pdf', format: pdf }] }] }))).toThrow(/Dateiname/);
  });
});
