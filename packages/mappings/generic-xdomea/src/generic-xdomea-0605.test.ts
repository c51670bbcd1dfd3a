import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MappingRegistry } from '@weiche/mapping-sdk';
import { installTempSchemaCache, runGoldenSamples } from '@weiche/mapping-sdk/golden';
import { genericXdomea, genericXdomea0605 } from './index.js';

const samplesDir = fileURLToPath(new URL('../samples/generic-xdomea-0605', import.meta.url));
let cacheDir: string;
beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe('generic-xdomea-0605', () => {
  it('maps every golden sample to an XSD-valid FVDaten.SGOAblegen.0605 equal to the expected file', async () => {
    const report = await runGoldenSamples(genericXdomea0605, { samplesDir, cacheDir });
    expect(report.samples.map((s) => [s.name, s.ok, s.xsd?.valid, s.problems, s.diff])).toEqual([
      ['bauantrag', true, true, [], ''],
      ['fuenfzig-anlagen', true, true, [], ''],
      ['ohne-daten', true, true, [], ''],
    ]);
    const xml = report.samples[0]?.result?.messageXml ?? '';
    expect(xml).toContain('<code>0605</code>');
    expect(xml).toContain('<xdomea:Importbestaetigung>1</xdomea:Importbestaetigung>');
    expect(xml).toContain('<xdomea:DateinameOriginal>../../Straße/Ansicht Süd.jpg</xdomea:DateinameOriginal>');
    expect(xml).toContain('<xdomea:Stapel>0</xdomea:Stapel>');
    for (const d of report.samples[0]?.result?.documents ?? []) expect(Buffer.byteLength(d.name)).toBeLessThanOrEqual(255);
    // the application as PDF/A with the data as its second Format, then the 50 attachments
    expect(report.samples[1]?.result?.documents).toHaveLength(52);
  });

  it('is chosen for the 0605 target, the 0401 module for 0401', () => {
    const registry = new MappingRegistry();
    registry.register(genericXdomea);
    registry.register(genericXdomea0605);
    expect(registry.resolve({ schemaUri: 'urn:any', target: 'xdomea-3.1.0:0605' })).toBe(genericXdomea0605);
    expect(registry.resolve({ schemaUri: 'urn:any', target: 'xdomea-3.1.0:0401' })).toBe(genericXdomea);
  });
});
