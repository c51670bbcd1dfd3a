import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { MappingRegistry, detectXmlRoot, runMapping } from '@weiche/mapping-sdk';
import { sharedXsdValidator } from '@weiche/xoev';
import { installTempSchemaCache, loadSampleContext, runGoldenSamples } from '@weiche/mapping-sdk/golden';
import { xbauPassthrough } from './index.js';

const samplesDir = fileURLToPath(new URL('../samples', import.meta.url));
let cacheDir: string;
beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

async function ctxWith(xml: string, sample = 'minimal') {
  const ctx = await loadSampleContext(xbauPassthrough, { samplesDir, cacheDir }, sample);
  return { ...ctx, data: { schemaUri: 'urn:xta', mimeType: 'application/xml', content: Buffer.from(xml), sha512: 'x' } };
}

describe('xbau-passthrough', () => {
  it('passes every golden sample on unchanged and XSD-valid', async () => {
    const report = await runGoldenSamples(xbauPassthrough, { samplesDir, cacheDir });
    expect(report.samples.map((s) => [s.name, s.ok, s.xsd?.valid, s.diff])).toEqual([
      ['einfamilienhaus', true, true, ''],
      ['fuenfzig-anlagen', true, true, ''],
      ['minimal', true, true, ''],
    ]);
    for (const s of report.samples) {
      expect(s.result?.messageXml).toBe(await readFile(`${samplesDir}/${s.name}.input.xml`, 'utf8'));
    }
    expect(report.samples[1]?.result?.documents).toHaveLength(50);
  });

  it('is resolved by XML namespace + root element', async () => {
    const xml = await readFile(`${samplesDir}/minimal.input.xml`);
    const registry = new MappingRegistry();
    registry.register(xbauPassthrough);
    const root = detectXmlRoot(xml);
    expect(root).toEqual({ namespace: 'http://www.xleitstelle.de/xbau/2/6', rootElement: 'baugenehmigung.antrag.0200' });
    expect(registry.resolve({ schemaUri: 'urn:unknown', target: 'xbau-2.6:baugenehmigung.antrag.0200', ...(root ? { xml: root } : {}) })).toBe(xbauPassthrough);
    expect(() => registry.resolve({ schemaUri: 'urn:unknown', target: 'xbau-2.6:baugenehmigung.antrag.0200' })).toThrow(
      expect.objectContaining({ code: ErrorCode.UNSUPPORTED_SCHEMA }),
    );
  });

  it('refuses XSD-invalid XBau (SCHEMA_VIOLATION, values blanked) and a wrong root (SCHEMA_VIOLATION naming it)', async () => {
    const xml = (await readFile(`${samplesDir}/minimal.input.xml`, 'utf8')).replace('<nachrichtenUUID>00000000-0000-4000-8000-000000000001', '<nachrichtenUUID>Geheim-Meier');
    const run = runMapping(xbauPassthrough, await ctxWith(xml));
    await expect(run).rejects.toMatchObject({ code: ErrorCode.SCHEMA_VIOLATION, retryable: false });
    await run.catch((e: Error) => expect(e.message).not.toContain('Geheim-Meier'));
    await expect(runMapping(xbauPassthrough, await ctxWith('<x:other xmlns:x="urn:x"/>'))).rejects.toMatchObject({
      code: ErrorCode.SCHEMA_VIOLATION,
      message: expect.stringContaining('baugenehmigung.antrag.0200'),
    });
  });

  it('refuses an XSD-valid 0200 with only a header (no antragsteller, no bauvorhaben) as a schema violation of the input', async () => {
    const full = await readFile(`${samplesDir}/minimal.input.xml`, 'utf8');
    const headerOnly = full.replace(/\s*<xbau:empfangendeStelle>[\s\S]*<\/xbau:bauvorhaben>/, '');
    expect(headerOnly).not.toContain('antragsteller');
    const validator = await sharedXsdValidator({ cacheDir, standardId: 'xbau-2.6' });
    expect(validator.validate(headerOnly).valid).toBe(true);
    const run = runMapping(xbauPassthrough, await ctxWith(headerOnly));
    await expect(run).rejects.toMatchObject({ code: ErrorCode.SCHEMA_VIOLATION, retryable: false });
    await run.catch((e: Error) => {
      expect(e.message).toContain('antragsteller');
      expect(e.message).toContain('bauvorhaben');
    });
    const noBauvorhaben = full.replace(/\s*<xbau:bauvorhaben>[\s\S]*<\/xbau:bauvorhaben>/, '');
    await expect(runMapping(xbauPassthrough, await ctxWith(noBauvorhaben))).rejects.toMatchObject({ code: ErrorCode.SCHEMA_VIOLATION, message: expect.stringContaining('bauvorhaben') });
  });

  it('refuses a message whose referenced files were not all submitted', async () => {
    const xml = await readFile(`${samplesDir}/einfamilienhaus.input.xml`, 'utf8');
    const ctx = await ctxWith(xml, 'einfamilienhaus');
    await expect(runMapping(xbauPassthrough, { ...ctx, attachments: ctx.attachments.slice(1) })).rejects.toMatchObject({ code: ErrorCode.ATTACHMENTS_MISMATCH });
  });

  it('refuses a referenced file name the package would have to change, and keeps an extra file apart from one differing only in case', async () => {
    const xml = await readFile(`${samplesDir}/einfamilienhaus.input.xml`, 'utf8');
    const ctx = await ctxWith(xml, 'einfamilienhaus');
    const first = ctx.attachments[0]!;
    for (const bad of ['CON.pdf', '.Bauantrag.pdf', `${'ä'.repeat(130)}.pdf`]) {
      const renamed = await ctxWith(xml.replace(`>${first.filename}<`, `>${bad}<`), 'einfamilienhaus');
      const attachments = [{ ...first, filename: bad }, ...renamed.attachments.slice(1)];
      const run = runMapping(xbauPassthrough, { ...renamed, attachments });
      await expect(run).rejects.toMatchObject({ code: ErrorCode.ATTACHMENTS_MISMATCH, message: expect.stringContaining('cannot keep') });
    }
    const twin = { ...first, attachmentId: 'twin', filename: first.filename!.toUpperCase() };
    const result = await runMapping(xbauPassthrough, { ...ctx, attachments: [...ctx.attachments, twin] });
    const names = result.documents.map((d) => d.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
    expect(result.documents.map((d) => d.name)).toContain(first.filename);
  });

  it('names the package per submission, so two submissions reusing one nachrichtenUUID do not share a file name', async () => {
    const xml = await readFile(`${samplesDir}/einfamilienhaus.input.xml`, 'utf8');
    const ctx = await ctxWith(xml, 'einfamilienhaus');
    const { newId: _newId, ...fresh } = ctx; // ids as the hub derives them: from submission and target
    const first = await runMapping(xbauPassthrough, { ...fresh, submissionId: '11111111-1111-4111-8111-111111111111' });
    const second = await runMapping(xbauPassthrough, { ...fresh, submissionId: '22222222-2222-4222-8222-222222222222' });
    expect(second.prozessId).toBe(first.prozessId); // the message's own nachrichtenUUID, for the record
    expect(second.packageName).not.toBe(first.packageName);
    expect(second.messageName).not.toBe(first.messageName);
    expect((await runMapping(xbauPassthrough, { ...fresh, submissionId: '11111111-1111-4111-8111-111111111111' })).packageName).toBe(first.packageName);
  });

  it('delivers files the message does not reference beside it, and notes them', async () => {
    const xml = await readFile(`${samplesDir}/einfamilienhaus.input.xml`, 'utf8');
    const ctx = await ctxWith(xml, 'einfamilienhaus');
    const first = ctx.attachments[0]!;
    const extra = { ...first, attachmentId: 'extra', filename: 'extra.pdf' };
    // same file name as a referenced one: still delivered, under a name of its own
    const twin = { ...first, attachmentId: 'twin' };
    const result = await runMapping(xbauPassthrough, { ...ctx, attachments: [...ctx.attachments, extra, twin] });
    const names = result.documents.map((d) => d.name);
    expect(names).toContain('extra.pdf');
    expect(names).toContain(`twin_${first.filename}`);
    expect(names).toHaveLength(ctx.attachments.length + 2);
    expect(result.notes).toEqual([expect.stringContaining('2 attachment(s) not referenced by the XBau message') as unknown as string]);
    expect(result.notes?.[0]).toContain('extra, twin');
  });
});
