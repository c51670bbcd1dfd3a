import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { installTempSchemaCache, sampleXbauAntrag0200 } from '../test-support.js';
import { readXmlData } from '../parse-xml.js';
import { XmlPool } from './xml-pool.js';

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** A valid XBau 0200 with `anlagen` attachments listed (about 400 bytes each). */
const xbau = (anlagen: number): string => sampleXbauAntrag0200({ anlagen });

const WRONG_ROOT = '<x:foo xmlns:x="http://www.xleitstelle.de/xbau/2/6"/>';
const MALFORMED = '<?xml version="1.0"?>\n<a>\n<b></a>';

describe.each([
  ['two worker threads', 2],
  ['the calling thread (threads: 0)', 0],
])('XmlPool on %s', (_name, threads) => {
  const pool = new XmlPool({ threads });
  afterAll(() => pool.close());

  it('gives the verdict of libxml2: valid, or its line:column messages (string and bytes alike)', async () => {
    const validator = pool.validator(cacheDir, 'xbau-2.6');
    expect(await validator.validate(xbau(2))).toEqual({ valid: true, errors: [] });
    const wrong = await validator.validate(WRONG_ROOT);
    expect(wrong.valid).toBe(false);
    expect(wrong.errors[0]).toMatch(/^line 1:\d+: .*No matching global declaration/);
    expect(await validator.validate(new TextEncoder().encode(WRONG_ROOT))).toEqual(wrong);
    const malformed = await pool.validate({ cacheDir, standardId: 'xdomea-3.1.0', xml: MALFORMED });
    expect(malformed.errors.some((e) => e.startsWith('line 3:'))).toBe(true);
  });

  it('reads XML form data (root element and object view), and refuses a DOCTYPE as a SYNTAX_VIOLATION of the data', async () => {
    const read = await pool.read(Buffer.from(xbau(1)));
    expect(read.root).toEqual({ namespace: 'http://www.xleitstelle.de/xbau/2/6', rootElement: 'baugenehmigung.antrag.0200' });
    expect(JSON.stringify(read.view)).toContain('Muster');
    const refused = await pool.read('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>').catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'WeicheError', code: ErrorCode.SYNTAX_VIOLATION, part: 'data', retryable: false, status: 422 });
  });

  it('reads a large message into the same view as the calling thread does (handed over in pieces from a worker)', async () => {
    const large = xbau(3_000);
    const read = await pool.read(large);
    expect(read).toEqual(readXmlData(large));
  });

  it('keeps the catalogue error of a schema cache that does not verify (not retried)', async () => {
    const missing = `${cacheDir}-missing`;
    const error = await pool.validate({ cacheDir: missing, standardId: 'xbau-2.6', xml: WRONG_ROOT }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'WeicheError', retryable: false });
    expect((error as { code: string }).code).not.toBe(ErrorCode.INTERNAL);
  });
});

describe('XmlPool off the event loop', () => {
  it('validates a large message while the event loop stays free', async () => {
    const pool = new XmlPool({ threads: 1 });
    try {
      const validator = pool.validator(cacheDir, 'xbau-2.6');
      await validator.validate(xbau(1)); // the thread starts and compiles the schema
      const large = xbau(8_000); // ~3 MB: a few hundred milliseconds of libxml2
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const started = performance.now();
      expect((await validator.validate(large)).valid).toBe(true);
      const ms = performance.now() - started;
      delay.disable();
      // on the calling thread the loop would be blocked for the whole validation
      expect(delay.max / 1e6).toBeLessThan(Math.max(100, ms / 2));
    } finally {
      await pool.close();
    }
  });

  it('turns a worker that dies into a retryable internal error, and starts another for the next task', async () => {
    // dies on its first task, like a worker killed by the kernel or an abort in libxml2
    const dying = join(cacheDir, 'dying-worker.mjs');
    await writeFile(dying, "import { existsSync, writeFileSync } from 'node:fs'; export default function (t) { if (!existsSync(t.cacheDir + '/died')) { writeFileSync(t.cacheDir + '/died', ''); process.exit(70); } return { verdict: { valid: true, errors: [] } }; }");
    const pool = new XmlPool({ threads: 1, workerFile: dying });
    try {
      const validator = pool.validator(cacheDir, 'xbau-2.6');
      const error = await validator.validate(WRONG_ROOT).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'WeicheError', code: ErrorCode.INTERNAL, retryable: true });
      expect((error as Error).message).toMatch(/^xbau-2.6: the XML worker did not complete/);
      expect(await validator.validate(WRONG_ROOT)).toEqual({ valid: true, errors: [] });
    } finally {
      await pool.close();
      await rm(`${cacheDir}/died`, { force: true });
    }
  });
});
