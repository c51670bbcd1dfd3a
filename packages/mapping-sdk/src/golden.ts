import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { WeicheError, ErrorCode, errorMessage } from '@weiche/core';
import { sharedXsdValidator } from '@weiche/xoev';
import type { XsdValidationResult } from '@weiche/xoev';
import { checkMappingResult } from './conformance.js';
import { checkContentRules } from './content-rules.js';
import { sequentialIds } from './context-tools.js';
import { lineDiff } from './line-diff.js';
import { runMapping } from './run-mapping.js';
import type { MappingModule, MappingResult, SubmissionAttachment, SubmissionChecks, SubmissionContext } from './types.js';

export { lineDiff } from './line-diff.js';

// src/ and dist/ are both two levels below the package root.
const INSTALL_SCRIPT = fileURLToPath(new URL('../../../scripts/install-schemas.mjs', import.meta.url));

/** Installs the pinned XSDs and code lists into a fresh temp dir (scripts/install-schemas.mjs) and returns it; for tests. */
export async function installTempSchemaCache(): Promise<string> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'weiche-golden-'));
  await promisify(execFile)(process.execPath, [INSTALL_SCRIPT], { env: { ...process.env, WEICHE_SCHEMA_CACHE: cacheDir } });
  return cacheDir;
}

/** Where the samples are and how to treat them. */
export interface GoldenOptions {
  /** Directory with `<name>.input.json|xml`, optional `<name>.context.json`, `<name>.expected.xml`. */
  samplesDir: string;
  /** Schema cache (scripts/install-schemas.mjs) for the XSDs and code lists. */
  cacheDir: string;
  /** Run only this sample. */
  only?: string;
  /** Write the produced message to `<name>.expected.xml` when it differs or is missing (only if it is XSD-valid). */
  update?: boolean;
}

/** The verdict for one sample. */
export interface GoldenSampleResult {
  name: string;
  /** XSD verdict of the produced message; undefined when mapping failed. */
  xsd?: XsdValidationResult;
  /** Package rule violations (checkMappingResult) other than XSD errors. */
  problems: string[];
  /** Mapping error (code and message), when map threw. */
  error?: string;
  matches: boolean;
  /** Readable diff expected → actual; empty when equal. */
  diff: string;
  updated: boolean;
  result?: MappingResult;
  ok: boolean;
}

/** All samples of one module. */
export interface GoldenReport {
  module: string;
  samples: GoldenSampleResult[];
  ok: boolean;
}

const SampleAttachment = z.object({
  attachmentId: z.string().min(1),
  purpose: z.string().default('attachment'),
  mimeType: z.string().default('application/octet-stream'),
  filename: z.string().optional(),
  description: z.string().optional(),
  /** Inline UTF-8 content … */
  content: z.string().optional(),
  /** … or a file next to the samples. */
  file: z.string().optional(),
});

/** `<name>.context.json`: the submission context around the input; every field has a default. */
export const SampleContext = z.object({
  submissionId: z.string().default('5b0c2d9e-4a43-4c51-9f0e-3c9c4b5a0a01'),
  caseId: z.string().default('a1c3c0de-0000-4000-8000-000000000001'),
  serviceIdentifier: z.string().default('urn:de:fim:leika:leistung:99010003001006'),
  serviceName: z.string().optional(),
  senderReference: z.string().optional(),
  receivedAt: z.iso.datetime({ offset: true }).default('2025-03-01T10:00:00Z'),
  schemaUri: z.string().optional(),
  tenant: z
    .object({ id: z.string(), name: z.string(), behoerdenkennung: z.string(), organisationseinheit: z.string().optional() })
    .default({ id: 'muenster', name: 'Stadt Münster', behoerdenkennung: 'ags:05515000', organisationseinheit: 'Bauordnungsamt' }),
  sender: z.object({ name: z.string(), behoerdenkennung: z.string().optional() }).default({ name: 'Bauportal NRW', behoerdenkennung: 'psw:01000001' }),
  channel: z.string().optional(),
  checks: z
    .partialRecord(z.enum(['decryption', 'hashes', 'authorSignature']), z.object({ status: z.enum(['passed', 'failed', 'not-applicable', 'not-checked']), detail: z.string().optional() }))
    .optional(),
  /** A JSON schema file next to the samples, or a path relative to the repository root (e.g. schemas/forms/bauantrag-1.0.json). */
  formSchema: z.string().optional(),
  filing: z.object({ aktenplaneinheit: z.string().optional(), vorgangstyp: z.string().optional() }).optional(),
  attachments: z.array(SampleAttachment).default([]),
  hub: z.object({ product: z.string(), version: z.string() }).default({ product: 'Weiche', version: '0.1.0' }),
});

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

// src/ and dist/ are both two levels below the package root, the repository root two more.
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function readFormSchema(samplesDir: string, file: string): Promise<Record<string, unknown>> {
  const beside = await readOptional(join(samplesDir, file));
  const bytes = beside ?? (await readFile(join(REPO_ROOT, file)));
  return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
}

function dropUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

/** Sample names in a directory: every `<name>.input.json` / `<name>.input.xml`, sorted. */
export async function listSamples(samplesDir: string): Promise<string[]> {
  const files = await readdir(samplesDir);
  const names = files.map((f) => /^(.+)\.input\.(json|xml)$/.exec(f)?.[1]).filter((n): n is string => n !== undefined);
  return [...new Set(names)].sort();
}

function defaultSchemaUri(module: MappingModule<unknown>): string {
  for (const s of module.sources) if ('schemaUri' in s && s.schemaUri !== '*') return s.schemaUri;
  return 'urn:weiche:schema:golden-sample';
}

/** Builds the deterministic SubmissionContext of one sample (fixed clock = receivedAt, sequential UUIDs, the given schema cache). */
export async function loadSampleContext(module: MappingModule<unknown>, opts: GoldenOptions, name: string): Promise<SubmissionContext> {
  const base = join(opts.samplesDir, name);
  const json = await readOptional(`${base}.input.json`);
  const xml = json ? undefined : await readOptional(`${base}.input.xml`);
  const contextRaw = await readOptional(`${base}.context.json`);
  const parsed = SampleContext.safeParse(contextRaw ? JSON.parse(contextRaw.toString('utf8')) : {});
  if (!parsed.success) throw new WeicheError(ErrorCode.CONFIG_INVALID, `${name}.context.json: ${z.prettifyError(parsed.error)}`);
  const c = parsed.data;
  const attachments: SubmissionAttachment[] = await Promise.all(
    c.attachments.map(async (a) => {
      const bytes = a.file !== undefined ? await readFile(join(opts.samplesDir, a.file)) : Buffer.from(a.content ?? `Inhalt von ${a.attachmentId}`);
      return {
        attachmentId: a.attachmentId,
        purpose: a.purpose,
        mimeType: a.mimeType,
        ...(a.filename === undefined ? {} : { filename: a.filename }),
        ...(a.description === undefined ? {} : { description: a.description }),
        size: bytes.length,
        sha512: createHash('sha512').update(bytes).digest('hex'),
        open: () => Readable.from([bytes]),
      };
    }),
  );
  const receivedAt = new Date(c.receivedAt);
  const content = json ?? xml;
  const formSchema = c.formSchema === undefined ? undefined : await readFormSchema(opts.samplesDir, c.formSchema);
  return {
    submissionId: c.submissionId,
    caseId: c.caseId,
    serviceIdentifier: c.serviceIdentifier,
    ...(c.serviceName === undefined ? {} : { serviceName: c.serviceName }),
    ...(c.senderReference === undefined ? {} : { senderReference: c.senderReference }),
    receivedAt,
    tenant: {
      id: c.tenant.id,
      name: c.tenant.name,
      behoerdenkennung: c.tenant.behoerdenkennung,
      ...(c.tenant.organisationseinheit === undefined ? {} : { organisationseinheit: c.tenant.organisationseinheit }),
    },
    sender: { name: c.sender.name, ...(c.sender.behoerdenkennung === undefined ? {} : { behoerdenkennung: c.sender.behoerdenkennung }) },
    ...(c.channel === undefined ? {} : { channel: c.channel }),
    ...(c.checks === undefined ? {} : { checks: Object.fromEntries(Object.entries(c.checks).map(([k, v]) => [k, dropUndefined(v)])) as SubmissionChecks }),
    ...(formSchema === undefined ? {} : { formSchema }),
    ...(c.filing === undefined ? {} : { filing: dropUndefined(c.filing) }),
    ...(content === undefined
      ? {}
      : {
          data: {
            schemaUri: c.schemaUri ?? defaultSchemaUri(module),
            mimeType: json ? 'application/json' : 'application/xml',
            content,
            sha512: createHash('sha512').update(content).digest('hex'),
          },
        }),
    attachments,
    hub: c.hub,
    now: () => new Date(receivedAt),
    newId: sequentialIds(),
    schemaCacheDir: opts.cacheDir,
  };
}

async function runSample(module: MappingModule<unknown>, opts: GoldenOptions, name: string): Promise<GoldenSampleResult> {
  const expectedPath = join(opts.samplesDir, `${name}.expected.xml`);
  const fail = (error: string): GoldenSampleResult => ({ name, problems: [], error, matches: false, diff: '', updated: false, ok: false });
  let result: MappingResult;
  try {
    result = await runMapping(module, await loadSampleContext(module, opts, name));
  } catch (e) {
    return fail(e instanceof WeicheError ? `${e.code}: ${e.message}` : errorMessage(e));
  }
  const validator = await sharedXsdValidator({ cacheDir: opts.cacheDir, standardId: result.standardId });
  const xsd = validator.validate(result.messageXml);
  const problems = [...checkMappingResult(result, validator).filter((p) => !p.startsWith('XSD: ')), ...(await checkContentRules(result, { cacheDir: opts.cacheDir }))];
  const expected = (await readOptional(expectedPath))?.toString('utf8');
  const diff = expected === undefined ? '' : lineDiff(expected, result.messageXml, { expected: `${name}.expected.xml`, actual: `${name} (mapped)` });
  const matches = expected !== undefined && diff === '';
  let updated = false;
  if (!matches && opts.update && xsd.valid) {
    await writeFile(expectedPath, result.messageXml.endsWith('\n') ? result.messageXml : `${result.messageXml}\n`);
    updated = true;
  }
  const missing = expected === undefined && !updated ? ['no expected file (run with --update to create it)'] : [];
  return {
    name,
    xsd,
    problems: [...problems, ...missing],
    matches,
    diff,
    updated,
    result,
    ok: xsd.valid && problems.length === 0 && missing.length === 0 && (matches || updated),
  };
}

/** Runs every sample (or opts.only) through the module: map, validate against the official XSD, check package rules, compare with `<name>.expected.xml`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- modules have differing input types
export async function runGoldenSamples(module: MappingModule<any>, opts: GoldenOptions): Promise<GoldenReport> {
  const all = await listSamples(opts.samplesDir);
  const names = opts.only === undefined ? all : all.filter((n) => n === opts.only);
  if (names.length === 0) {
    throw new WeicheError(ErrorCode.NOT_FOUND, opts.only === undefined ? `no samples in ${opts.samplesDir}` : `no sample ${opts.only} in ${opts.samplesDir}`);
  }
  const samples: GoldenSampleResult[] = [];
  // One after the other: samples share the compiled validator and their output order is the report order.
  for (const name of names) samples.push(await runSample(module as MappingModule<unknown>, opts, name));
  return { module: `${module.id}@${module.version}`, samples, ok: samples.every((s) => s.ok) };
}

/** Human-readable report: per sample the XSD verdict, package problems and the diff. */
export function formatGoldenReport(report: GoldenReport): string {
  const lines: string[] = [`mapping ${report.module}`];
  for (const s of report.samples) {
    const status = s.ok ? (s.updated ? 'UPDATED' : 'ok') : 'FAIL';
    lines.push(`  ${status}  ${s.name}`);
    if (s.error !== undefined) lines.push(`        mapping failed: ${s.error}`);
    if (s.xsd) lines.push(`        XSD: ${s.xsd.valid ? 'valid' : `INVALID (${s.xsd.errors.length} error(s))`}`, ...s.xsd.errors.slice(0, 20).map((e) => `          ${e}`));
    for (const p of s.problems) lines.push(`        problem: ${p}`);
    if (s.diff !== '' && !s.updated) lines.push(...s.diff.split('\n').map((l) => `        ${l}`));
  }
  const failed = report.samples.filter((s) => !s.ok).length;
  lines.push(failed === 0 ? `${report.samples.length} sample(s) ok` : `${failed} of ${report.samples.length} sample(s) failed`);
  return lines.join('\n');
}
