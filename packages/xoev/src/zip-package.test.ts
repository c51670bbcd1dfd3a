import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { buffer as readAll } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import type { Entry } from 'yauzl';
import { zipPackage } from './zip-package.js';

interface ReadEntry {
  name: string;
  utf8Flag: boolean;
  content: string;
  /** 0 stored, 8 deflated */
  method: number;
}

function readZip(zip: Buffer): Promise<ReadEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err ?? new Error('no zip'));
      const out: ReadEntry[] = [];
      file.on('entry', (entry: Entry) => {
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          readAll(stream).then(
            (buf) => {
              out.push({ name: entry.fileName, utf8Flag: (entry.generalPurposeBitFlag & 0x800) !== 0, content: buf.toString('utf8'), method: entry.compressionMethod });
              file.readEntry();
            },
            reject,
          );
        });
      });
      file.on('end', () => resolve(out));
      file.on('error', reject);
      file.readEntry();
    });
  });
}

describe('zipPackage', () => {
  it('writes UTF-8 names with bit 11 set, at the root, from buffers and lazy streams', async () => {
    let opened = 0;
    const zip = await readAll(
      zipPackage([
        { name: 'p_Abgabe.Abgabe.0401.xml', source: Buffer.from('<xml/>') },
        { name: '0b1c_Bauzeichnung_Größe.pdf', source: Buffer.from('pdf') },
        {
          name: '../../etc/passwd',
          source: () => {
            opened += 1;
            return Readable.from([Buffer.from('str'), Buffer.from('eam')]);
          },
        },
      ]),
    );
    const entries = await readZip(zip);
    expect(entries.map((e) => e.name)).toEqual(['p_Abgabe.Abgabe.0401.xml', '0b1c_Bauzeichnung_Größe.pdf', 'passwd']);
    expect(entries.every((e) => e.utf8Flag)).toBe(true);
    expect(entries.every((e) => !e.name.includes('/'))).toBe(true);
    expect(entries[2]?.content).toBe('stream');
    expect(opened).toBe(1);
  });

  it('deflates text formats and stores what is compressed already (PDF, images), unless told otherwise', async () => {
    const text = Buffer.from('<a>'.repeat(1000));
    const entries = await readZip(
      await readAll(
        zipPackage([
          { name: 'p_Abgabe.Abgabe.0401.xml', source: text },
          { name: 'antrag.json', source: () => Readable.from([text]) },
          { name: 'plan.pdf', source: () => Readable.from([text]) },
          { name: 'foto.JPG', source: text },
          { name: 'plan2.pdf', source: text, compress: true },
        ]),
      ),
    );
    expect(entries.map((e) => [e.name, e.method])).toEqual([
      ['p_Abgabe.Abgabe.0401.xml', 8],
      ['antrag.json', 8],
      ['plan.pdf', 0],
      ['foto.JPG', 0],
      ['plan2.pdf', 8],
    ]);
    expect(entries.every((e) => e.content === text.toString())).toBe(true);
  });

  it('rejects two entries that end up with the same name', () => {
    expect(() => zipPackage([
      { name: 'a/x.pdf', source: Buffer.from('1') },
      { name: 'b/x.pdf', source: Buffer.from('2') },
    ])).toThrow(/duplicate/);
  });

  it('writes the CRC-32 of every entry, from buffers and from streams read in many chunks (native CRC, patched yazl)', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 9)) & 0xff;
    const chunks = (data: Buffer) => () => Readable.from(Array.from({ length: Math.ceil(data.length / 65_521) }, (_, i) => data.subarray(i * 65_521, (i + 1) * 65_521)));
    const zip = await readAll(Readable.from(zipPackage([
      { name: 'stored.pdf', source: chunks(big) },
      { name: 'deflated.xml', source: chunks(big), compress: true },
      { name: 'buffer.bin', source: big },
    ]) as Readable));
    const crcs = await new Promise<Record<string, number>>((resolve, reject) => {
      yauzl.fromBuffer(zip, { lazyEntries: false }, (err, file) => {
        if (err || !file) return reject(err ?? new Error('no zip'));
        const out: Record<string, number> = {};
        file.on('entry', (entry: Entry) => (out[entry.fileName] = entry.crc32));
        file.on('end', () => resolve(out));
        file.on('error', reject);
      });
    });
    expect(crcs).toEqual({ 'stored.pdf': crc32(big), 'deflated.xml': crc32(big), 'buffer.bin': crc32(big) });
    // the JavaScript CRC yazl ships with runs at ~200 MB/s and was the costliest step of packaging a large attachment
    const yazlSource = readFileSync(createRequire(import.meta.url).resolve('yazl'), 'utf8');
    expect(yazlSource).toContain('zlib.crc32(buf, previous');
  });
});
