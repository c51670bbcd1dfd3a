import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { PermanentDeliveryError, type DeliveryPackage } from '@weiche/adapter-sdk';
import type { RequestBody } from './request-body.js';

interface Part {
  readonly header: Buffer;
  readonly entry: yauzl.Entry;
}

const CRLF = '\r\n';

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: true }, (error, zip) => {
      if (error) reject(error);
      else resolve(zip);
    });
  });
}

function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error) reject(error);
      else resolve(stream);
    });
  });
}

// RFC 7578 §4.2: filenames go into the quoted `filename` parameter as UTF-8 (no `filename*`);
// quotes and line breaks are percent-encoded so a hostile name cannot break the header.
function quoted(name: string): string {
  return name.replace(/["\r\n%]/g, (c) => encodeURIComponent(c));
}

function contentTypeOf(name: string): string {
  const lower = name.toLowerCase();
  if (lower.endsWith('.xml')) return 'application/xml';
  if (lower.endsWith('.pdf')) return 'application/pdf';
  return 'application/octet-stream';
}

/** The xÖV message is the root XML named like `{ProzessID}_Abgabe.Abgabe.0401.xml` (xdomea packaging), else the first XML. */
function messageEntry(entries: readonly yauzl.Entry[]): yauzl.Entry | undefined {
  return entries.find((e) => /\.\d{4}\.xml$/i.test(e.fileName)) ?? entries.find((e) => /\.xml$/i.test(e.fileName));
}

/**
 * `mode: multipart`: spools the package ZIP to a temp file (yauzl needs random access; memory stays bounded)
 * and builds a multipart/form-data body: part `message` (the xÖV XML), then one part `document` per other entry.
 */
export async function multipartBody(pkg: DeliveryPackage, signal: AbortSignal): Promise<RequestBody> {
  const dir = await mkdtemp(join(tmpdir(), 'weiche-http-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  let zip: yauzl.ZipFile | undefined;
  try {
    const file = join(dir, 'package.zip');
    await pipeline(await pkg.open(), createWriteStream(file, { flags: 'wx' }), { signal });
    let entries: yauzl.Entry[];
    try {
      zip = await openZip(file);
      entries = (await readEntries(zip)).filter((e) => !e.fileName.endsWith('/'));
    } catch (error) {
      throw new PermanentDeliveryError('package is not a readable ZIP', { cause: error });
    }
    const message = messageEntry(entries);
    if (!message) throw new PermanentDeliveryError('package holds no xÖV message XML');
    const boundary = `weiche-${randomUUID()}`;
    const parts: Part[] = [message, ...entries.filter((e) => e !== message)].map((entry) => ({
      entry,
      header: Buffer.from(
        `--${boundary}${CRLF}` +
          `Content-Disposition: form-data; name="${entry === message ? 'message' : 'document'}"; filename="${quoted(entry.fileName)}"${CRLF}` +
          `Content-Type: ${contentTypeOf(entry.fileName)}${CRLF}${CRLF}`,
      ),
    }));
    const closing = Buffer.from(`--${boundary}--${CRLF}`);
    const length = parts.reduce((sum, p) => sum + p.header.length + p.entry.uncompressedSize + CRLF.length, closing.length);
    const opened = zip;
    return {
      contentType: `multipart/form-data; boundary=${boundary}`,
      length,
      open: () =>
        Promise.resolve(
          Readable.from(
            (async function* () {
              for (const part of parts) {
                yield part.header;
                // yauzl checks each entry's size against the central directory while streaming
                for await (const chunk of await openEntry(opened, part.entry)) yield chunk as Buffer;
                yield Buffer.from(CRLF);
              }
              yield closing;
            })(),
          ),
        ),
      close: async () => {
        opened.close();
        await cleanup();
      },
    };
  } catch (error) {
    zip?.close();
    await cleanup();
    throw error;
  }
}
