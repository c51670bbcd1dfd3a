import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Secret, secretField } from './index.js';

// What an adapter author writes: the config schema, and in the conformance fixtures the parsed config (a Secret).
const Config = z.strictObject({ url: z.string(), apiKey: secretField(16) });

describe('secretField', () => {
  it('takes the secret inline, from a file, or as the Secret the SDK exports (what a test fixture hands over)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'secret-field-'));
    try {
      await writeFile(join(dir, 'key'), 'from-a-file-0123456789\n');
      expect(Config.parse({ url: 'u', apiKey: 'inline-key-0123456789' }).apiKey.reveal()).toBe('inline-key-0123456789');
      expect(Config.parse({ url: 'u', apiKey: { file: join(dir, 'key') } }).apiKey.reveal()).toBe('from-a-file-0123456789');
      const parsed = Config.parse({ url: 'u', apiKey: new Secret('fixture-key-0123456789') });
      expect(parsed.apiKey).toBeInstanceOf(Secret);
      expect(JSON.stringify(parsed)).not.toContain('fixture-key');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a short secret and an unreadable file without printing the value', () => {
    const short = Config.safeParse({ url: 'u', apiKey: 'short-secret' });
    expect(short.success).toBe(false);
    expect(JSON.stringify(short.error?.issues)).not.toContain('short-secret');
    expect(Config.safeParse({ url: 'u', apiKey: { file: '/nonexistent/key' } }).error?.issues[0]?.message).toBe('cannot read secret file /nonexistent/key');
  });
});
