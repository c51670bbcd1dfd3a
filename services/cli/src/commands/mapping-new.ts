import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The files of a new mapping package (relative path → content). */
export function scaffoldFiles(name: string): Record<string, string> {
  const exportName = camel(name);
  const pkg = {
    name: `@weiche/mapping-${name}`,
    version: '0.1.0',
    private: true,
    type: 'module',
    exports: { '.': { 'weiche-source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' } },
    scripts: { build: 'tsc -b' },
    dependencies: { '@weiche/core': 'workspace:*', '@weiche/mapping-sdk': 'workspace:*', '@weiche/xoev': 'workspace:*', zod: '^4.1.0' },
  };
  const tsconfig = {
    extends: '../../../tsconfig.base.json',
    compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo' },
    include: ['src'],
    references: [{ path: '../../core' }, { path: '../../mapping-sdk' }, { path: '../../xoev' }],
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    'src/index.ts': `export { ${exportName} } from './${name}.js';\n`,
    [`src/${name}.ts`]: `import { z } from 'zod';
import { buildXdomea0401 } from '@weiche/xoev';
import { newIdFor, nowFor, planXdomeaVorgang } from '@weiche/mapping-sdk';
import type { MappingModule, MappingResult, SubmissionContext } from '@weiche/mapping-sdk';

/** Input of the online service (replace with the real form fields). */
export const Input = z.strictObject({ betreff: z.string().min(1).max(500) });
export type Input = z.infer<typeof Input>;

const ID = '${name}';
const VERSION = '0.1.0';

/** TODO: describe what this mapping does. */
export const ${exportName}: MappingModule<Input> = {
  id: ID,
  version: VERSION,
  sources: [{ schemaUri: 'urn:weiche:schema:${name}:1.0' }],
  target: 'xdomea-3.1.0:0401',
  inputSchema: Input,
  async map(input: Input, ctx: SubmissionContext): Promise<MappingResult> {
    const prozessId = newIdFor(ctx);
    const cacheDir = ctx.schemaCacheDir;
    // The application as PDF/A (first Dokument, the data as its second Format), then the attachments.
    const vorgang = await planXdomeaVorgang(ctx, { id: ID, version: VERSION }, {
      ...(ctx.data ? { data: { parsed: input, content: ctx.data.content, mimeType: ctx.data.mimeType, fileName: 'fachdaten.json' } } : {}),
      ...(cacheDir === undefined ? {} : { cacheDir }),
    });
    const messageXml = buildXdomea0401({
      prozessId,
      createdAt: nowFor(ctx),
      sender: ctx.sender,
      recipient: { behoerdenkennung: ctx.tenant.behoerdenkennung, name: ctx.tenant.name },
      sendingSystem: ctx.hub,
      ...vorgang,
      subject: input.betreff,
      ...(cacheDir === undefined ? {} : { cacheDir }),
    });
    return {
      targetProfile: 'xdomea-3.1.0:0401',
      standardId: 'xdomea-3.1.0',
      packageName: \`\${prozessId}_Abgabe.Abgabe.0401.zip\`,
      messageName: \`\${prozessId}_Abgabe.Abgabe.0401.xml\`,
      messageXml,
      documents: vorgang.entries,
      prozessId,
    };
  },
};
`,
    [`src/${name}.test.ts`]: `import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { runMapping } from '@weiche/mapping-sdk';
import { installTempSchemaCache, loadSampleContext, runGoldenSamples } from '@weiche/mapping-sdk/golden';
import { ${exportName} } from './index.js';

const samplesDir = fileURLToPath(new URL('../samples', import.meta.url));
let cacheDir: string;
beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe('${name}', () => {
  it('maps every golden sample to an XSD-valid message equal to the expected file', async () => {
    const report = await runGoldenSamples(${exportName}, { samplesDir, cacheDir });
    for (const s of report.samples) expect([s.name, s.xsd?.valid, s.problems, s.diff]).toEqual([s.name, true, [], '']);
    expect(report.ok).toBe(true);
  });

  it('rejects invalid input with SCHEMA_VIOLATION naming the field, never its value', async () => {
    // FILL IN: data your form must refuse, and the field path the rejection names
    const ctx = await loadSampleContext(${exportName}, { samplesDir, cacheDir }, 'beispiel');
    const tooLong = 'x'.repeat(501);
    const data = { ...ctx.data!, content: Buffer.from(JSON.stringify({ betreff: tooLong })) };
    const run = runMapping(${exportName}, { ...ctx, data });
    await expect(run).rejects.toMatchObject({ code: ErrorCode.SCHEMA_VIOLATION, message: expect.stringContaining('betreff') });
    await expect(run).rejects.not.toMatchObject({ message: expect.stringContaining(tooLong) });
  });
});
`,
    'samples/beispiel.input.json': `${JSON.stringify({ betreff: 'Beispielantrag Größe ß' }, null, 2)}\n`,
    'samples/beispiel.context.json': `${JSON.stringify({ serviceName: 'Beispielleistung', attachments: [] }, null, 2)}\n`,
  };
}

/** `weiche mapping new <name>`: scaffolds packages/mappings/<name> with a module, a golden test and one sample. */
export async function mappingNew(name: string | undefined, root: string = ROOT): Promise<number> {
  if (!name || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) throw new Error('usage: weiche mapping new <name>   (kebab-case, e.g. gewerbe-anmeldung)');
  const dir = join(root, 'packages', 'mappings', name);
  if (existsSync(dir)) {
    console.error(`${dir} exists already`);
    return 1;
  }
  for (const [path, content] of Object.entries(scaffoldFiles(name))) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content, { flag: 'wx' });
  }
  console.log(`created ${dir}
next: add { "path": "packages/mappings/${name}" } to the references in the root tsconfig.json,
      run node scripts/ensure-install.mjs and npx tsc -b,
then: npm run weiche -- mapping test ${name} --update   (creates samples/beispiel.expected.xml; review it)
      npx vitest run packages/mappings/${name}        (the golden test and the invalid-input test)
for the hub: add ${camel(name)} to MAPPING_MODULES (services/hub/src/config/mapping-modules.ts) and the package to
services/hub/package.json dependencies; for FIT-Connect, offer the module's schema URI (urn:weiche:schema:${name}:1.0)
in the submissionSchemas of the destination's service in weiche.yaml (guide: docs/mappings.md)`);
  return 0;
}
