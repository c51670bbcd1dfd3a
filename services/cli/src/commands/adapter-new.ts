import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

// Templates live beside src/ and dist/, so the same path works from the sources and the build.
const TEMPLATE_DIR = join(import.meta.dirname, '..', '..', 'templates', 'adapter');
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

function repoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error('weiche adapter new: run it inside the Weiche repository (no pnpm-workspace.yaml found)');
  }
}

/** The placeholder words of the templates for one adapter name (`acme-dms` → `AcmeDms`, `acmeDms`, `ACME_DMS_`). */
export function placeholders(name: string): Record<string, string> {
  const words = name.split('-');
  const pascal = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return {
    __name__: name,
    __Name__: pascal,
    __camelName__: pascal.charAt(0).toLowerCase() + pascal.slice(1),
    __CONST__: `${words.join('_').toUpperCase()}_`,
  };
}

function fill(text: string, words: Record<string, string>): string {
  return text.replace(/__(name|Name|camelName|CONST)__/g, (word) => words[word] ?? word);
}

async function templateFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await templateFiles(path)));
    else if (entry.name.endsWith('.tmpl')) files.push(path);
  }
  return files.sort();
}

/** `weiche adapter new <name> [--out <dir>]`: scaffolds an adapter package that passes the conformance suite as generated. */
export async function adapterNew(name: string | undefined, out: string | undefined): Promise<number> {
  if (!name || !NAME.test(name)) {
    throw new Error('usage: weiche adapter new <name> [--out <dir>]  (name: lower-case words joined by "-", e.g. acme-dms)');
  }
  const target = out ?? join(repoRoot(process.cwd()), 'packages', 'adapters', name);
  if (existsSync(target) && (await readdir(target)).length > 0) throw new Error(`${target} exists and is not empty`);
  const words = placeholders(name);
  const written: string[] = [];
  for (const template of await templateFiles(TEMPLATE_DIR)) {
    const path = join(target, fill(relative(TEMPLATE_DIR, template), words).replace(/\.tmpl$/, ''));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, fill(await readFile(template, 'utf8'), words), { flag: 'wx' });
    written.push(path);
  }
  console.log(`created adapter "${name}" in ${target}:\n${written.map((f) => `  ${relative(target, f)}`).join('\n')}

next steps:
  1. node scripts/ensure-install.mjs              link the new package into the workspace
  2. add { "path": "packages/adapters/${name}" } to the references in tsconfig.json
  3. npx vitest run packages/adapters/${name}     the conformance suite passes as generated
  4. fill in the parts marked FILL IN in src/${name}.ts (guide: docs/adapters.md)
  5. register ${words.__camelName__}Adapter in ADAPTER_KINDS (services/hub/src/config/adapter-kinds.ts)
     and add the package to services/hub/package.json dependencies`);
  return 0;
}
