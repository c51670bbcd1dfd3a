import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMappingResult, runMapping } from '@weiche/mapping-sdk';
import { installTempSchemaCache, loadSampleContext } from '@weiche/mapping-sdk/golden';
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
