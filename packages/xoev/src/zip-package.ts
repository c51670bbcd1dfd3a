import { PassThrough } from 'node:stream';
import { ZipFile } from 'yazl';
import { WeicheError, ErrorCode } from '@weiche/core';
import { safeEntryName } from './safe-entry-name.js';

/** One file at the ZIP root: a buffer, or a factory opened only when yazl reaches the entry. */
export interface ZipEntry {
  name: string;
  source: Buffer | (() => NodeJS.ReadableStream);
  /** Deflate the entry; default: only text formats (see `compressible`). */
  compress?: boolean;
}

// Only text shrinks under deflate. What citizens attach — PDF, JPEG, PNG, office files (ZIPs themselves)
// — is compressed already: deflating it costs a core for every byte (the most expensive step of a 500 MB
// attachment's way through the hub) and wins nothing, so those entries are stored (method 0).
const TEXT = /\.(xml|json|txt|csv|tsv|html?|xhtml|svg|gml|md)$/i;

/** Whether an entry of that name is deflated by default. */
export function compressible(name: string): boolean {
  return TEXT.test(name);
}

/** Streams a ZIP (yazl) of the entries at the root, UTF-8 names with the UTF-8 flag (bit 11) set, no directories. */
export function zipPackage(entries: ZipEntry[]): NodeJS.ReadableStream {
  const zip = new ZipFile();
  const seen = new Set<string>();
  for (const entry of entries) {
    const name = safeEntryName(entry.name);
    if (seen.has(name)) {
      throw new WeicheError(ErrorCode.UNPROCESSABLE, `duplicate ZIP entry name after sanitising: ${name}`);
    }
    seen.add(name);
    // yazl always writes names as UTF-8 and sets general purpose bit 11 (xdomea packaging rule:
    // DMS importers fall back to CP437 otherwise).
    const source = entry.source;
    const options = { compress: entry.compress ?? compressible(name) };
    if (Buffer.isBuffer(source)) {
      zip.addBuffer(source, name, options);
    } else {
      zip.addReadStreamLazy(name, options, (cb) => {
        try {
          cb(null, source());
        } catch (e) {
          cb(e, new PassThrough());
        }
      });
    }
  }
  zip.end();
  return zip.outputStream;
}
