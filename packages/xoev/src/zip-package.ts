import { PassThrough } from 'node:stream';
import { ZipFile } from 'yazl';
import { WeicheError, ErrorCode } from '@weiche/core';
import { safeEntryName } from './safe-entry-name.js';

/** One file at the ZIP root: a buffer, or a factory opened only when yazl reaches the entry. */
export interface ZipEntry {
  name: string;
  source: Buffer | (() => NodeJS.ReadableStream);
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
    if (Buffer.isBuffer(source)) {
      zip.addBuffer(source, name);
    } else {
      zip.addReadStreamLazy(name, (cb) => {
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
