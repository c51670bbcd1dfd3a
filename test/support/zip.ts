import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { REPO_ROOT } from './env.js';

export interface ZipEntry {
  readonly name: string;
  readonly utf8Flag: boolean;
  readonly content: Buffer;
}

/** Reads every entry of a ZIP file (test sizes only). */
export function readZip(file: string): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, decodeStrings: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('no zip'));
      const entries: ZipEntry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            entries.push({ name: entry.fileName, utf8Flag: (entry.generalPurposeBitFlag & 0x800) !== 0, content: Buffer.concat(chunks) });
            zip.readEntry();
          });
          stream.on('error', reject);
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

export const SCHEMA_CACHE = (): string => process.env.WEICHE_SCHEMA_CACHE ?? join(REPO_ROOT, '.weiche', 'schemas');
export const XDOMEA_XSD = (): string => join(SCHEMA_CACHE(), 'xdomea', '3.1.0', 'xdomea.xsd');

/** Validates XML with the xmllint command line (libxml2), as an operator would. */
export async function xmllint(xml: Buffer | string, xsd: string, dir: string): Promise<{ ok: boolean; output: string }> {
  const file = join(dir, `check-${Date.now()}-${Math.random().toString(16).slice(2)}.xml`);
  await writeFile(file, xml);
  try {
    const { stderr } = await promisify(execFile)('xmllint', ['--noout', '--schema', xsd, file]);
    return { ok: true, output: stderr };
  } catch (error) {
    return { ok: false, output: String((error as { stderr?: string }).stderr ?? error) };
  }
}

/** The string value of an XPath 1.0 expression over XML, read by the xmllint command line (libxml2), not by the hub's reader. */
export async function xpathString(xml: Buffer | string, expr: string): Promise<string> {
  const run = promisify(execFile)('xmllint', ['--nonet', '--xpath', `string(${expr})`, '-']);
  run.child.stdin?.end(xml);
  return (await run).stdout.trim();
}
