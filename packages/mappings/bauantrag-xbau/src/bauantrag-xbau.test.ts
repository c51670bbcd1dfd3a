import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { MappingRegistry, checkContentRules, runMapping } from '@weiche/mapping-sdk';
import { installTempSchemaCache, loadSampleContext, runGoldenSamples } from '@weiche/mapping-sdk/golden';
import { sharedXsdValidator } from '@weiche/xoev';
import { BAUANTRAG_SCHEMA_URI, bauantragJsonSchema, bauantragXbau } from './index.js';

const samplesDir = fileURLToPath(new URL('../samples', import.meta.url));
const schemaFile = fileURLToPath(new URL('../../../../schemas/forms/bauantrag-1.0.json', import.meta.url));
let cacheDir: string;

beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

async function contextWith(data: unknown, sample = 'einfamilienhaus') {
  const ctx = await loadSampleContext(bauantragXbau, { samplesDir, cacheDir }, sample);
  return { ...ctx, data: { schemaUri: BAUANTRAG_SCHEMA_URI, mimeType: 'application/json', content: Buffer.from(JSON.stringify(data)), sha512: 'x' } };
}

describe('bauantrag-xbau', () => {
  it('maps every golden sample to an XSD-valid 0200 equal to the expected file', async () => {
    const report = await runGoldenSamples(bauantragXbau, { samplesDir, cacheDir });
    expect(report.samples.map((s) => s.name)).toEqual(['einfamilienhaus', 'fuenfzig-anlagen', 'lange-namen', 'minimal']);
    for (const s of report.samples) {
      expect(s.error).toBeUndefined();
      expect(s.xsd).toEqual({ valid: true, errors: [] });
      expect(s.problems).toEqual([]);
      expect(s.diff).toBe('');
    }
    expect(report.ok).toBe(true);
    const fifty = report.samples.find((s) => s.name === 'fuenfzig-anlagen')?.result;
    expect(fifty?.documents).toHaveLength(50);
    expect(new Set(fifty?.documents.map((d) => d.name)).size).toBe(50);
    expect(fifty?.messageXml.match(/<anlage>/g)).toHaveLength(50);
  });

  it('keeps umlauts and ß, replaces characters outside DIN 91379 and the Dateiname pattern', async () => {
    const report = await runGoldenSamples(bauantragXbau, { samplesDir, cacheDir, only: 'lange-namen' });
    const xml = report.samples[0]?.result?.messageXml ?? '';
    expect(xml).toContain('Gemeinnützige Wohnungsbaugesellschaft');
    expect(xml).toContain('<kurzbezeichnung>GWG Münster ?</kurzbezeichnung>');
    expect(xml).toContain('_Caf_ _D_j_ vu_ Zeichnung_.pdf</dateiname>');
    // Long names are not cut in the XML (XBau sets no maximum), file names are (255 bytes of UTF-8, NAME_MAX).
    expect(xml).toMatch(/Schwarzenegger-Schwarzenegger-Schwarzenegger-Schwarzenegger-Schwarzenegger-Schwarzenegger-Schwarzenegger-Schwarzenegger-Schwarzenegger-Schwarzenegger-Ende/);
    for (const d of report.samples[0]?.result?.documents ?? []) expect(Buffer.byteLength(d.name)).toBeLessThanOrEqual(255);
  });

  it('writes what a Fachverfahren checks: SHA-256 of the shipped file, mimeType, pinned code-list versions, Flurstück coded', async () => {
    const report = await runGoldenSamples(bauantragXbau, { samplesDir, cacheDir, only: 'einfamilienhaus' });
    const result = report.samples[0]!.result!;
    expect(await checkContentRules(result, { cacheDir })).toEqual([]);
    const xml = result.messageXml;
    const jpeg = await readFile(`${samplesDir}/files/ansicht-sued.jpg`);
    expect(xml).toContain(`hashValue="${createHash('sha256').update(jpeg).digest('hex')}"`);
    expect(xml).not.toContain('sha512');
    expect(xml.match(/<mimeType listURI="urn:xoev-de:xbau:codeliste:xbau-mimetypes" listVersionID="1.0">/g)).toHaveLength(3);
    expect(xml).toContain('<code>image/jpeg</code>');
    expect(xml).toContain('<anlageart listURI="urn:xoev-de:xbau:codeliste:anlagen" listVersionID="3.0">');
    expect(xml).toMatch(/<kodierungFlurstueck>\s*<gemarkung>\s*<bezeichnung>Münster<\/bezeichnung>\s*<\/gemarkung>\s*<flur>12<\/flur>\s*<zaehler>345<\/zaehler>\s*<nenner>6<\/nenner>/);
    expect(xml).not.toContain('Flurstück 345/6');

    // the same checks catch what the old mapping wrote
    const broken = {
      ...result,
      messageXml: xml
        .replace(/hashValue="[0-9a-f]{64}"/, 'hashValue="sha512:abc"')
        .replace('listVersionID="3.0"', 'listVersionID="2.6"')
        .replace('psw:01000001', 'psw:unbekannt')
        .replace(/<mimeType[^>]*>\s*<code>image\/jpeg<\/code>\s*<\/mimeType>/, ''),
    };
    const problems = await checkContentRules(broken, { cacheDir });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('hashValue is not the SHA-256'),
        expect.stringContaining('has listVersionID 2.6, pinned 3.0'),
        expect.stringContaining('placeholder identity "psw:unbekannt"'),
        'anlage without mimeType',
      ]),
    );
  });

  it('refuses an anlageart outside the pinned list version, and invents no autor', async () => {
    const form = JSON.parse(await readFile(`${samplesDir}/einfamilienhaus.input.json`, 'utf8')) as { anlagen: Array<{ anlageart?: string }> };
    form.anlagen[0]!.anlageart = '0399';
    await expect(runMapping(bauantragXbau, await contextWith(form))).rejects.toMatchObject({ code: ErrorCode.SCHEMA_VIOLATION, message: expect.stringContaining('anlagen.0.anlageart') });
    const ctx = await contextWith(JSON.parse(await readFile(`${samplesDir}/einfamilienhaus.input.json`, 'utf8')));
    await expect(runMapping(bauantragXbau, { ...ctx, sender: { name: 'Portal ohne Kennung' } })).rejects.toMatchObject({
      code: ErrorCode.CONFIG_INVALID,
      message: expect.stringContaining('no behoerdenkennung configured'),
    });
  });

  it('a fresh run (no sample clock) still validates', async () => {
    const { now: _now, newId: _newId, ...ctx } = await loadSampleContext(bauantragXbau, { samplesDir, cacheDir }, 'einfamilienhaus');
    const result = await runMapping(bauantragXbau, ctx);
    const validator = await sharedXsdValidator({ cacheDir, standardId: 'xbau-2.6' });
    expect(validator.validate(result.messageXml)).toEqual({ valid: true, errors: [] });
    expect(result.messageXml).not.toContain('00000000-0000-4000-8000-000000000001');
    // ids derive from submission and target (UUIDv5): a replay produces the same message ids
    expect((await runMapping(bauantragXbau, ctx)).prozessId).toBe(result.prozessId);
  });

  it('rejects invalid form data with SCHEMA_VIOLATION naming the field path, never the value', async () => {
    const bad = {
      antragsteller: [{ natuerlichePerson: { familienname: 'Geheim', kommunikation: { email: 'keine-mail' } } }],
      bauvorhaben: { bezeichnung: 'Carport', baugrundstueck: { ort: 'Münster', postleitzahl: '4814X' } },
    };
    const run = runMapping(bauantragXbau, await contextWith(bad));
    await expect(run).rejects.toMatchObject({ code: ErrorCode.SCHEMA_VIOLATION, retryable: false, message: expect.stringContaining('bauvorhaben.baugrundstueck.postleitzahl') });
    await run.catch((e: Error) => {
      expect(e.message).not.toContain('4814X');
      expect(e.message).not.toContain('Geheim');
    });
    await expect(runMapping(bauantragXbau, await contextWith({ bauvorhaben: bad.bauvorhaben }))).rejects.toMatchObject({
      code: ErrorCode.SCHEMA_VIOLATION,
      message: expect.stringContaining('antragsteller'),
    });
  });

  it('keeps the message XSD-valid for a control character in flur and refuses year 0000 (xs:date has none)', async () => {
    const read = async () => JSON.parse(await readFile(`${samplesDir}/einfamilienhaus.input.json`, 'utf8')) as {
      anlagen: Array<{ datum?: string }>;
      bauvorhaben: { baugrundstueck: { flur?: string; flurstueck?: string } };
    };
    const form = await read();
    form.bauvorhaben.baugrundstueck.flur = '12\u0001';
    form.bauvorhaben.baugrundstueck.flurstueck = '345\u0002';
    const result = await runMapping(bauantragXbau, await contextWith(form));
    expect((await sharedXsdValidator({ cacheDir, standardId: 'xbau-2.6' })).validate(result.messageXml)).toEqual({ valid: true, errors: [] });
    expect(result.messageXml).toContain('<flur>12</flur>');

    const dated = await read();
    dated.anlagen[0]!.datum = '0000-02-29';
    await expect(runMapping(bauantragXbau, await contextWith(dated))).rejects.toMatchObject({ code: ErrorCode.SCHEMA_VIOLATION, message: expect.stringContaining('anlagen.0.datum') });
  });

  it('rejects anlagen that name no submitted attachment', async () => {
    const form = JSON.parse(await readFile(`${samplesDir}/einfamilienhaus.input.json`, 'utf8')) as { anlagen: Array<{ attachmentId: string }> };
    form.anlagen.push({ attachmentId: 'att-gibt-es-nicht' });
    await expect(runMapping(bauantragXbau, await contextWith(form))).rejects.toMatchObject({
      code: ErrorCode.SCHEMA_VIOLATION,
      message: expect.stringContaining('anlagen.2.attachmentId'),
    });
  });

  it('is resolved by its schema URI for the XBau target; the published JSON schema matches the zod schema', async () => {
    const registry = new MappingRegistry();
    registry.register(bauantragXbau);
    expect(registry.resolve({ schemaUri: BAUANTRAG_SCHEMA_URI, target: 'xbau-2.6:baugenehmigung.antrag.0200' })).toBe(bauantragXbau);
    expect(() => registry.resolve({ schemaUri: BAUANTRAG_SCHEMA_URI, target: 'xdomea-3.1.0:0401' })).toThrow(expect.objectContaining({ code: ErrorCode.UNSUPPORTED_SCHEMA }));
    expect(JSON.parse(await readFile(schemaFile, 'utf8'))).toEqual(bauantragJsonSchema());
  });
});

describe('bauantrag-xbau for a delegated submission', () => {
  it('names the back office as leser and keeps the owner as empfangendeStelle; valid against the XSD', async () => {
    const base = await loadSampleContext(bauantragXbau, { samplesDir, cacheDir }, 'einfamilienhaus');
    const result = await runMapping(bauantragXbau, { ...base, processingTenant: { id: 'stadt-b', name: 'Stadt Bhausen', behoerdenkennung: 'ags:05974040', delegationId: 'bau-kreis' } });
    const verdict = (await sharedXsdValidator({ cacheDir, standardId: 'xbau-2.6' })).validate(result.messageXml);
    expect(verdict.errors).toEqual([]);
    const leser = /<leser>([\s\S]*?)<\/leser>/.exec(result.messageXml)?.[1] ?? '';
    expect(leser).toContain('05974040');
    expect(leser).toContain('Stadt Bhausen');
    const stelle = /<xbau:empfangendeStelle>([\s\S]*?)<\/xbau:empfangendeStelle>/.exec(result.messageXml)?.[1] ?? '';
    expect(stelle).toContain(base.tenant.behoerdenkennung.split(':')[1]);
    expect(stelle).not.toContain('Bhausen');
  });
});
