import yauzl from 'yauzl';
import { ErrorCode, WeicheError } from '@weiche/core';

/** One file of a ZIP package, read into memory. */
export interface UnzippedEntry {
  readonly name: string;
  /** True when the entry declares its name as UTF-8 (general purpose bit 11). */
  readonly utf8Flag: boolean;
  readonly content: Buffer;
}

/**
 * Reads every file of a ZIP package held in memory, in archive order (directories skipped). For the
 * hub's own packages and for tests; bounded by `maxBytes` of uncompressed content in total.
 */
export function unzipPackage(zip: Buffer, opts: { maxBytes?: number } = {}): Promise<UnzippedEntry[]> {
  const maxBytes = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, decodeStrings: true }, (error, archive) => {
      if (error || !archive) return reject(error ?? new Error('not a ZIP archive'));
      const entries: UnzippedEntry[] = [];
      let total = 0;
      archive.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return archive.readEntry();
        archive.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error('ZIP entry unreadable'));
          readBounded(stream, maxBytes - total).then((content) => {
            total += content.length;
            entries.push({ name: entry.fileName, utf8Flag: (entry.generalPurposeBitFlag & 0x800) !== 0, content });
            archive.readEntry();
          }, reject);
        });
      });
      archive.on('end', () => resolve(entries));
      archive.on('error', reject);
      archive.readEntry();
    });
  });
}

/** Reads a stream into memory, refusing more than `maxBytes`. */
export async function readBounded(stream: NodeJS.ReadableStream, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > maxBytes) throw new WeicheError(ErrorCode.PAYLOAD_TOO_LARGE, `content exceeds ${maxBytes} bytes`, { status: 413 });
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
