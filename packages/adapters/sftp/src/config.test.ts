import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseHostKeyPin, SftpConfig } from './config.js';

const digest = createHash('sha256').update('a host key blob').digest();
const base = { host: 'dms.example', username: 'weiche', privateKeyFile: '/keys/id', remoteDir: '/inbox' };

describe('sftp config', () => {
  it('reads the host key pin as base64, unpadded OpenSSH "SHA256:" text, hex and colon hex', () => {
    const hex = digest.toString('hex');
    for (const pin of [
      digest.toString('base64'),
      `SHA256:${digest.toString('base64').replace(/=+$/, '')}`,
      hex,
      hex.toUpperCase(),
      hex.match(/../g)?.join(':') ?? '',
    ]) {
      expect(parseHostKeyPin(pin), pin).toEqual(digest);
    }
  });

  it('rejects pins that are not a SHA-256 digest', () => {
    for (const pin of ['', 'abc', digest.subarray(0, 20).toString('base64'), `${digest.toString('hex')}00`, 'MD5:aa:bb']) {
      expect(parseHostKeyPin(pin), pin).toBeUndefined();
    }
    expect(SftpConfig.safeParse({ ...base, hostKeySha256: 'abc' }).success).toBe(false);
  });

  it('requires the host key pin and a key or password; fills port and timeout defaults', () => {
    expect(SftpConfig.safeParse(base).success).toBe(false);
    const { privateKeyFile: _unused, ...noCredentials } = base;
    expect(SftpConfig.safeParse({ ...noCredentials, hostKeySha256: digest.toString('hex') }).success).toBe(false);
    expect(SftpConfig.parse({ ...base, hostKeySha256: digest.toString('hex') })).toMatchObject({ port: 22, connectTimeoutMs: 10_000 });
  });

  it('keeps a password in a Secret that never prints', () => {
    const { privateKeyFile: _unused, ...noKey } = base;
    const config = SftpConfig.parse({ ...noKey, password: 'hunter2-test', hostKeySha256: digest.toString('hex') });
    expect(config.password?.reveal()).toBe('hunter2-test');
    expect(JSON.stringify(config) + inspect(config, { depth: 5 })).not.toContain('hunter2-test');
  });
});
