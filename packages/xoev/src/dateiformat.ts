import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { WeicheError, ErrorCode, errorMessage } from '@weiche/core';
import { SchemaManifest, XOEV_MANIFEST_PATH } from './schema-manifest.js';
import { resolveSchemaCacheDir } from './schema-cache.js';
import type { ContentFacts } from './content-facts.js';
import { extensionFor, normalizeMimeType } from './file-extension.js';

/** Canonical URI and version of the xdomea file format code list (xdomea 3.1.0, DateiformatCodeType). */
export const DATEIFORMAT_LIST_URI = 'urn:xoev-de:xdomea:codeliste:dateiformat';
export const DATEIFORMAT_LIST_VERSION = '1.0';
const CODELIST_PATH = 'xdomea/codelists/Dateiformat_1.0.xml';

/** The code list as lookup tables: file extension → code, plus the list's catch-all code. */
export interface DateiformatList {
  readonly byExtension: ReadonlyMap<string, string>;
  readonly otherCode: string;
  /** Every code of the list. */
  readonly codes: ReadonlySet<string>;
}

const lists = new Map<string, DateiformatList>();

/** Parses the genericode file: each row's description starts with the extension ("pdf - Portable Document Format"). */
export function parseDateiformatList(xml: string | Buffer): DateiformatList {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: true, isArray: (name) => name === 'Row' || name === 'Value', parseTagValue: false });
  const doc = parser.parse(xml) as { CodeList?: { SimpleCodeList?: { Row?: Array<{ Value?: Array<{ '@_ColumnRef'?: string; ColumnRef?: string; SimpleValue?: unknown }> }> } } };
  const byExtension = new Map<string, string>();
  let otherCode: string | undefined;
  const codes = new Set<string>();
  for (const row of doc.CodeList?.SimpleCodeList?.Row ?? []) {
    const cells = new Map<string, string>();
    for (const v of row.Value ?? []) cells.set(String(v['@_ColumnRef'] ?? v.ColumnRef ?? ''), String(v.SimpleValue ?? ''));
    const code = cells.get('Code');
    const description = cells.get('Beschreibung') ?? '';
    if (!code) continue;
    codes.add(code);
    const ext = /^([a-z0-9]+) - /i.exec(description)?.[1]?.toLowerCase();
    // First row wins: "doc" has three variants (Windows, DOS, Mac); "pdf" before "pdf (Archival)".
    if (ext && !byExtension.has(ext)) byExtension.set(ext, code);
    if (/^sonstige/i.test(description.trim())) otherCode = code;
  }
  if (byExtension.size === 0 || otherCode === undefined) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, 'Dateiformat code list has no rows or no "Sonstiges" code');
  }
  return { byExtension, otherCode, codes };
}

/** Loads the code list from the schema cache once per cache dir, checking its sha256 against the manifest. */
export function loadDateiformatList(cacheDir: string = resolveSchemaCacheDir()): DateiformatList {
  const cached = lists.get(cacheDir);
  if (cached) return cached;
  let bytes: Buffer;
  let manifestText: string;
  try {
    bytes = readFileSync(join(cacheDir, CODELIST_PATH));
    manifestText = readFileSync(XOEV_MANIFEST_PATH, 'utf8');
  } catch (e) {
    throw new WeicheError(
      ErrorCode.CONFIG_INVALID,
      `Dateiformat code list unavailable in ${cacheDir} (run node scripts/install-schemas.mjs): ${errorMessage(e)}`,
      { cause: e },
    );
  }
  const manifest = SchemaManifest.parse(JSON.parse(manifestText));
  const pinned = manifest.standards.flatMap((s) => s.files).find((f) => f.path === CODELIST_PATH);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (!pinned || pinned.sha256 !== actual) {
    throw new WeicheError(ErrorCode.SCHEMA_FILE_TAMPERED, `${CODELIST_PATH} in ${cacheDir} does not match the manifest sha256`);
  }
  const list = parseDateiformatList(bytes);
  lists.set(cacheDir, list);
  return list;
}

/** The Format of one primary file in an xdomea message: code, the MIME type when the code is "Sonstiges", and the format version. */
export interface Dateiformat {
  code: string;
  otherName?: string;
  version: string;
}

/** Code list row for PDF/A ("pdf - Portable Document Format (Archival)"), which shares its extension with plain PDF. */
export const PDFA_CODE = '044';

/** Dateiformat code (list urn:xoev-de:xdomea:codeliste:dateiformat 1.0) for a MIME type; unknown → the list's "Sonstiges" code. */
export function dateiformatCode(mimeType: string, opts: { cacheDir?: string } = {}): string {
  const list = loadDateiformatList(opts.cacheDir);
  return list.byExtension.get(extensionFor(mimeType)) ?? list.otherCode;
}

/**
 * The xdomea Format of a file from what was read from its content: PDF/A → 044 with its part and
 * conformance, PDF → 018 with the header version, XML with its declared version, everything else by
 * MIME type; "unbekannt" only where the content carries no version.
 */
export function dateiformatFor(facts: Pick<ContentFacts, 'mimeType' | 'pdfVersion' | 'pdfa' | 'xmlVersion'>, opts: { cacheDir?: string } = {}): Dateiformat {
  const list = loadDateiformatList(opts.cacheDir);
  if (facts.pdfa) return { code: PDFA_CODE, version: `PDF/A-${facts.pdfa.part}${facts.pdfa.conformance.toLowerCase()}` };
  const code = dateiformatCode(facts.mimeType, opts);
  const version = facts.pdfVersion ?? facts.xmlVersion ?? 'unbekannt';
  return code === list.otherCode ? { code, otherName: normalizeMimeType(facts.mimeType), version } : { code, version };
}
