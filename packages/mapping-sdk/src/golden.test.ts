import { cp, readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode } from '@weiche/core';
import { buildXdomea0401 } from '@weiche/xoev';
import { formatGoldenReport, installTempSchemaCache, lineDiff, runGoldenSamples } from './golden.js';
import { newIdFor, nowFor } from './context-tools.js';
import type { MappingModule } from './types.js';

let cacheDir: string;
let samplesDir: string;
beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
  samplesDir = await mkdtemp(join(tmpdir(), 'weiche-samples-'));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
  await rm(samplesDir, { recursive: true, force: true });
});

const mod: MappingModule<{ betreff: string }> = {
  id: 'demo',
  version: '1.0.0',
  sources: [{ schemaUri: 'urn:demo' }],
  target: 'xdomea-3.1.0:0401',
  inputSchema: z.object({ betreff: z.string() }),
  map(input, ctx) {
    const prozessId = newIdFor(ctx);
    const id = newIdFor(ctx);
    const messageXml = buildXdomea0401({
      prozessId,
      createdAt: nowFor(ctx),
      sender: { behoerdenkennung: 'psw:1', name: 'P' },
      recipient: { behoerdenkennung: 'ags:1', name: 'S' },
      sendingSystem: ctx.hub,
      subject: input.betreff,
      vorgangId: newIdFor(ctx),
      documents: [{ id, title: 'a', formats: [{ fileName: `${id}_a.pdf`, originalName: 'a.pdf', format: { code: '018', version: '1.4' } }] }],
      ...(ctx.schemaCacheDir === undefined ? {} : { cacheDir: ctx.schemaCacheDir }),
    });
    return { targetProfile: 'xdomea-3.1.0:0401', standardId: 'xdomea-3.1.0', packageName: `${prozessId}_Abgabe.Abgabe.0401.zip`, messageName: `${prozessId}_Abgabe.Abgabe.0401.xml`, messageXml, documents: [{ name: `${id}_a.pdf`, mimeType: 'application/pdf', source: Buffer.from('%PDF-1.4\n%%EOF\n') }], prozessId };
  },
};

describe('golden kit', () => {
  it('creates expected files with --update, is deterministic, then reports a mismatch with a readable diff', async () => {
    await writeFile(join(samplesDir, 'eins.input.json'), JSON.stringify({ betreff: 'Größe' }));
    const missing = await runGoldenSamples(mod, { samplesDir, cacheDir });
    expect(missing.ok).toBe(false);
    expect(missing.samples[0]?.problems[0]).toMatch(/--update/);
    expect((await runGoldenSamples(mod, { samplesDir, cacheDir, update: true })).samples[0]?.updated).toBe(true);
    const again = await runGoldenSamples(mod, { samplesDir, cacheDir });
    expect(again.ok).toBe(true);
    expect(await readFile(join(samplesDir, 'eins.expected.xml'), 'utf8')).toContain('00000000-0000-4000-8000-000000000001');

    await writeFile(join(samplesDir, 'eins.input.json'), JSON.stringify({ betreff: 'Straße' }));
    const changed = await runGoldenSamples(mod, { samplesDir, cacheDir });
    expect(changed.ok).toBe(false);
    expect(changed.samples[0]?.xsd?.valid).toBe(true);
    const text = formatGoldenReport(changed);
    expect(text).toContain('FAIL  eins');
    expect(text).toContain('-        <xdomea:Betreff>Größe</xdomea:Betreff>');
    expect(text).toContain('+        <xdomea:Betreff>Straße</xdomea:Betreff>');
  });

  it('reports an invalid input as a failed sample, and an unknown sample as NOT_FOUND', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weiche-samples-'));
    await cp(join(samplesDir, 'eins.input.json'), join(dir, 'x.input.json'));
    await writeFile(join(dir, 'bad.input.json'), '{"betreff": 7}');
    const report = await runGoldenSamples(mod, { samplesDir: dir, cacheDir, only: 'bad' });
    expect(report.samples[0]?.error).toMatch(/SCHEMA_VIOLATION.*betreff/);
    await expect(runGoldenSamples(mod, { samplesDir: dir, cacheDir, only: 'nope' })).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await rm(dir, { recursive: true, force: true });
  });

  it('lineDiff is empty for equal text (line endings and trailing blanks ignored)', () => {
    expect(lineDiff('a\r\nb  \n', 'a\nb')).toBe('');
    expect(lineDiff('a\nb\nc', 'a\nB\nc')).toBe('--- expected\n+++ actual\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c');
  });
});
