import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { runMapping } from '@weiche/mapping-sdk';
import { installTempSchemaCache, loadSampleContext, runGoldenSamples } from '@weiche/mapping-sdk/golden';
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
  it('wraps every golden sample into an XSD-valid 0401 with the XBau XML as first Dokument', async () => {
    const report = await runGoldenSamples(xbauToXdomea, { samplesDir, cacheDir });
    expect(report.samples.map((s) => [s.name, s.ok, s.xsd?.valid, s.problems, s.diff])).toEqual([
      ['einfamilienhaus', true, true, [], ''],
      ['fuenfzig-anlagen', true, true, [], ''],
      ['minimal', true, true, [], ''],
    ]);
    const first = report.samples[0]?.result;
    expect(first?.documents[0]?.name).toMatch(/^[0-9a-f-]{36}_baugenehmigung\.antrag\.0200\.xml$/);
    expect(first?.documents[0]?.source).toEqual(expect.any(Buffer));
    expect(first?.documents.map((d) => d.name).slice(1).join('|')).toContain('Ansicht Süd.jpg');
    expect(report.samples[1]?.result?.documents).toHaveLength(51);
  });

  it('refuses input that is not an XBau 0200 with SCHEMA_VIOLATION naming the root', async () => {
    const ctx = await loadSampleContext(xbauToXdomea, { samplesDir, cacheDir }, 'minimal');
    await expect(
      runMapping(xbauToXdomea, { ...ctx, data: { schemaUri: 'urn:x', mimeType: 'application/xml', content: Buffer.from('<antrag/>'), sha512: 'x' } }),
    ).rejects.toMatchObject({ code: ErrorCode.SCHEMA_VIOLATION, message: expect.stringContaining('baugenehmigung.antrag.0200') });
  });
});
