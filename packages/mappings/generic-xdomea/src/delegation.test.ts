import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedXsdValidator } from '@weiche/xoev';
import { checkMappingResult, runMapping, type SubmissionContext } from '@weiche/mapping-sdk';
import { installTempSchemaCache, loadSampleContext } from '@weiche/mapping-sdk/golden';
import { genericXdomea, genericXdomea0605 } from './generic-xdomea.js';

// A delegated submission (docs/delegation.md): the owner stays the Empfaenger, the back office leads the Vorgang.
const samplesDir = fileURLToPath(new URL('../samples/generic-xdomea', import.meta.url));
const BACK_OFFICE = { id: 'stadt-b', name: 'Stadt Bhausen', behoerdenkennung: 'ags:05974040', organisationseinheit: 'Gewerbeamt', delegationId: 'gewerbe-kreis' };
let cacheDir: string;

beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

function between(xml: string, element: string): string[] {
  return [...xml.matchAll(new RegExp(`<xdomea:${element}>([\\s\\S]*?)</xdomea:${element}>`, 'g'))].map((m) => m[1]!);
}

describe('generic-xdomea for a delegated submission', () => {
  for (const module of [genericXdomea, genericXdomea0605]) {
    it(`${module.target}: Empfaenger is the owner, Federfuehrung and a Kontakt the back office; valid against the XSD`, async () => {
      const ctx: SubmissionContext = { ...(await loadSampleContext(module, { samplesDir, cacheDir }, 'bauantrag')), processingTenant: BACK_OFFICE };
      const result = await runMapping(module, ctx);
      const xml = result.messageXml;
      expect(checkMappingResult(result, await sharedXsdValidator({ cacheDir, standardId: 'xdomea-3.1.0' }))).toEqual([]);

      const [empfaenger] = between(xml, 'Empfaenger');
      expect(empfaenger).toContain(`<xdomea:Name>${ctx.tenant.name}</xdomea:Name>`);
      expect(empfaenger).not.toContain(BACK_OFFICE.name);
      expect(between(xml, 'Federfuehrung')).toEqual(['Stadt Bhausen – Gewerbeamt']);
      const kontakte = between(xml, 'Kontakt');
      expect(kontakte).toHaveLength(2);
      expect(kontakte[0]).toContain(`<xdomea:Name>${ctx.tenant.name}</xdomea:Name>`);
      expect(kontakte[0]).toContain('<xdomea:Zustaendigkeit>Zuständige Stelle (Antrag gerichtet an)</xdomea:Zustaendigkeit>');
      expect(kontakte[1]).toContain('<code>05974040</code>');
      expect(kontakte[1]).toContain(`<xdomea:Zustaendigkeit>Bearbeitende Stelle im Auftrag von ${ctx.tenant.name}</xdomea:Zustaendigkeit>`);
      expect(between(xml, 'Hinweis')[0]).toContain('(Delegation gewerbe-kreis)');
      expect(xml).toMatch(/<xdomea:Name>Delegation<\/xdomea:Name>\s*<xdomea:Wert>gewerbe-kreis<\/xdomea:Wert>/);
    });
  }

  it('without a delegation the message has no Federfuehrung, Kontakt or Hinweis', async () => {
    const result = await runMapping(genericXdomea, await loadSampleContext(genericXdomea, { samplesDir, cacheDir }, 'bauantrag'));
    expect(result.messageXml).not.toMatch(/Federfuehrung|<xdomea:Kontakt>|<xdomea:Hinweis>|Delegation/);
  });
});
