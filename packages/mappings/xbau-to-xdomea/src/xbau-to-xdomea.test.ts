import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { checkMappingResult, runMapping } from '@weiche/mapping-sdk';
import { installTempSchemaCache, loadSampleContext, runGoldenSamples } from '@weiche/mapping-sdk/golden';
import { sharedXsdValidator } from '@weiche/xoev';
import { xbauToXdomea } from './index.js';

const samplesDir = fileURLToPath(new URL('../samples', import.meta.url));
let cacheDir: string;
beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe('xbau-to-xdomea', () => {
  it('wraps every golden sample into an XSD-valid 0401: the application as PDF/A with the XBau XML as its second Format', async () => {
    const report = await runGoldenSamples(xbauToXdomea, { samplesDir, cacheDir });
    expect(report.samples.map((s) => [s.name, s.ok, s.xsd?.valid, s.problems, s.diff])).toEqual([
      ['einfamilienhaus', true, true, [], ''],
      ['fuenfzig-anlagen', true, true, [], ''],
      ['minimal', true, true, [], ''],
    ]);
    const first = report.samples[0]?.result;
    expect(first?.documents[0]?.name).toMatch(/^[0-9a-f-]{36}_Antrag\.pdf$/);
    expect(first?.documents[1]?.name).toMatch(/^[0-9a-f-]{36}_baugenehmigung\.antrag\.0200\.xml$/);
    expect(first?.documents[1]?.source).toEqual(expect.any(Buffer));
    expect(first?.documents.map((d) => d.name).slice(2).join('|')).toContain('Ansicht Süd.jpg');
    const xml = first?.messageXml ?? '';
    expect(xml).toContain('<xdomea:Betreff>Baugenehmigung beantragen – Jürgen Müßig-Größer</xdomea:Betreff>');
    expect(xml).toMatch(/<xdomea:Name>XBau-Nachricht<\/xdomea:Name>\s*<xdomea:Wert>00000000-0000-4000-8000-000000000001<\/xdomea:Wert>/);
    expect(xml).toMatch(/<code>030<\/code>\s*<\/xdomea:Name>\s*<xdomea:Version>1\.0<\/xdomea:Version>/);
    expect(report.samples[1]?.result?.documents).toHaveLength(52);
  });

  it('refuses input that is not an XBau 0200 with SCHEMA_VIOLATION naming the root', async () => {
    const ctx = await loadSampleContext(xbauToXdomea, { samplesDir, cacheDir }, 'minimal');
    await expect(
      runMapping(xbauToXdomea, { ...ctx, data: { schemaUri: 'urn:x', mimeType: 'application/xml', content: Buffer.from('<antrag/>'), sha512: 'x' } }),
    ).rejects.toMatchObject({ code: ErrorCode.SCHEMA_VIOLATION, message: expect.stringContaining('baugenehmigung.antrag.0200') });
  });
});

describe('xbau-to-xdomea for a delegated submission', () => {
  it('keeps the owner as Empfaenger and names the back office as Federfuehrung; valid against the XSD', async () => {
    const base = await loadSampleContext(xbauToXdomea, { samplesDir, cacheDir }, 'minimal');
    const result = await runMapping(xbauToXdomea, { ...base, processingTenant: { id: 'stadt-b', name: 'Stadt Bhausen', behoerdenkennung: 'ags:05974040', delegationId: 'bau-kreis' } });
    expect(checkMappingResult(result, await sharedXsdValidator({ cacheDir, standardId: 'xdomea-3.1.0' }))).toEqual([]);
    const empfaenger = /<xdomea:Empfaenger>([\s\S]*?)<\/xdomea:Empfaenger>/.exec(result.messageXml)?.[1] ?? '';
    expect(empfaenger).toContain(`<xdomea:Name>${base.tenant.name}</xdomea:Name>`);
    expect(result.messageXml).toContain('<xdomea:Federfuehrung>Stadt Bhausen</xdomea:Federfuehrung>');
    expect(result.messageXml).toContain('(Delegation bau-kreis)');
  });
});
