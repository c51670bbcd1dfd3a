import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { installTempSchemaCache } from '../test-support.js';
import { readXmlData } from '../parse-xml.js';
import { buildXbauAntrag0200 } from '../xbau-0200.js';
import { XmlPool } from './xml-pool.js';

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

const uuid = (i: number): string => `7d5b1a8e-2f44-4a3c-9b7e-${i.toString(16).padStart(12, '0')}`;

/** A valid XBau 0200 with `anlagen` attachments listed (about 400 bytes each). */
function xbau(anlagen: number): string {
  return buildXbauAntrag0200({
    nachrichtenUUID: '7d5b1a8e-2f44-4a3c-9b7e-0c1d2e3f4a5b',
    createdAt: new Date('2026-11-30T04:00:00Z'),
    produkt: 'Weiche',
    produkthersteller: 'Weiche-Projekt',
    leser: { kennung: 'ags:05515000', name: 'Stadt Münster' },
    autor: { kennung: 'psw:01000001', name: 'Bauportal' },
    empfangendeStelle: { kennung: 'ags:05515000', name: 'Stadt Münster' },
    antragsteller: [{ natuerlichePerson: { familienname: 'Muster', vorname: 'Jürgen', anschrift: { strasse: 'Weg', hausnummer: '1', postleitzahl: '48143', ort: 'Münster' } } }],
    bauvorhaben: { bezeichnung: 'Neubau Einfamilienhaus', grundstueck: { ort: 'Münster' } },
    anlagen: Array.from({ length: anlagen }, (_, i) => ({ bezeichnung: `Anlage ${i}`, mimeType: 'application/pdf', sha256: 'ab'.repeat(32), dokumentId: uuid(i), dateiname: `${uuid(i)}_Anlage.pdf` })),
  });
}

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
