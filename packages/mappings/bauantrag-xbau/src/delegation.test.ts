import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMapping } from '@weiche/mapping-sdk';
import { installTempSchemaCache, loadSampleContext } from '@weiche/mapping-sdk/golden';
import { sharedXsdValidator } from '@weiche/xoev';
import { bauantragXbau } from './index.js';

const samplesDir = fileURLToPath(new URL('../samples', import.meta.url));
let cacheDir: string;

beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
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
