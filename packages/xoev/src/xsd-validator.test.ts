import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { XsdValidator } from './xsd-validator.js';
import { installTempSchemaCache } from './test-support.js';

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe('XsdValidator', () => {
  it('compiles XBau 2.6 (imports resolved from the cache, W3C xml.xsd included) and reuses it', async () => {
    const v = await XsdValidator.load({ cacheDir, standardId: 'xbau-2.6' });
    const wrongRoot = '<x:foo xmlns:x="http://www.xleitstelle.de/xbau/2/6"/>';
    const first = v.validate(wrongRoot);
    expect(first.valid).toBe(false);
    expect(first.errors[0]).toMatch(/^line 1:\d+: .*No matching global declaration/);
    expect(v.validate(new TextEncoder().encode(wrongRoot))).toEqual(first);
    v.close();
  });

  it('reports malformed XML as errors with line numbers instead of throwing', async () => {
    const v = await XsdValidator.load({ cacheDir, standardId: 'xdomea-3.1.0' });
    const result = v.validate('<?xml version="1.0"?>\n<a>\n<b></a>');
    expect(result.valid).toBe(false);
    expect(result.errors.some((e) => e.startsWith('line 3:'))).toBe(true);
    v.close();
    expect(() => v.validate('<a/>')).toThrow(expect.objectContaining({ code: ErrorCode.INTERNAL }));
  });
});
