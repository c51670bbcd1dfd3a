import { appendFile, chmod, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { dateiformatCode } from './dateiformat.js';
import { installTempSchemaCache } from './test-support.js';

let cacheDir: string;
const cleanup: string[] = [];
beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
  cleanup.push(cacheDir);
});
afterAll(async () => {
  await Promise.all(cleanup.map((d) => rm(d, { recursive: true, force: true })));
});

describe('dateiformatCode', () => {
  it('maps file names and mime types to codes of the Dateiformat 1.0 list', () => {
    expect(dateiformatCode('application/pdf', 'antrag.pdf', { cacheDir })).toBe('018');
    expect(dateiformatCode('application/pdf', 'unnamed', { cacheDir })).toBe('018');
    expect(dateiformatCode('application/octet-stream', 'Plan.DOCX', { cacheDir })).toBe('035');
    expect(dateiformatCode('image/png', 'scan', { cacheDir })).toBe('019');
    expect(dateiformatCode('text/xml; charset=utf-8', 'daten', { cacheDir })).toBe('030');
  });

  it('falls back to the list\'s "Sonstiges" code for unknown formats', () => {
    expect(dateiformatCode('application/json', 'fachdaten.json', { cacheDir })).toBe('100');
    expect(dateiformatCode('application/x-whatever', 'x.zzz', { cacheDir })).toBe('100');
  });

  it('refuses a tampered code list', async () => {
    const tampered = await mkdtemp(join(tmpdir(), 'weiche-cl-'));
    cleanup.push(tampered);
    await cp(cacheDir, tampered, { recursive: true });
    const file = join(tampered, 'xdomea/codelists/Dateiformat_1.0.xml');
    await chmod(file, 0o644);
    await appendFile(file, '\n');
    expect(() => dateiformatCode('application/pdf', 'a.pdf', { cacheDir: tampered })).toThrow(
      expect.objectContaining({ code: ErrorCode.SCHEMA_FILE_TAMPERED }),
    );
  });
});
