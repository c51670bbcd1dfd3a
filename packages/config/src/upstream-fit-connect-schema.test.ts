import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from './load.js';

const upstream = {
  id: 'fitko-test',
  tenant: 'soest',
  submissionApiUrl: 'https://submission-api-testing.fit-connect.fitko.dev',
  tokenUrl: 'https://auth-testing.fit-connect.fitko.dev/token',
  clientId: '3b5c0f36-0000-4000-8000-000000000001',
  clientSecret: { file: 'secrets/fitko-subscriber' },
  destinationId: '6f0b1c2d-abcd-4000-8000-00000000000e',
  decryptionKeyFile: 'keys/fitko-destination.key.pem',
  signingKeyFile: 'keys/fitko-signing.key.pem',
  signingKeyId: '0c7d5f6e-0000-4000-8000-000000000003',
  callbackSecret: 'inline-callback-secret',
};
const base = { tenants: [{ id: 'soest', name: 'Stadt Soest', behoerdenkennung: 'ags:05974040' }] };

describe('upstreams.fitConnect', () => {
  it('reads secrets into Secrets, resolves key files against the config and applies defaults', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weiche-upstream-'));
    await writeFile(join(dir, 'fitko-subscriber'), 'client-secret-from-file\n');
    const config = resolveConfig({ ...base, upstreams: { fitConnect: [{ ...upstream, clientSecret: { file: 'fitko-subscriber' } }] } }, { baseDir: dir, env: {} });
    const u = config.upstreams.fitConnect[0]!;
    expect(u.clientSecret.reveal()).toBe('client-secret-from-file');
    expect(u.callbackSecret?.reveal()).toBe('inline-callback-secret');
    expect(u.decryptionKeyFile).toBe(join(dir, 'keys/fitko-destination.key.pem'));
    expect(u.signingKeyFile).toBe(join(dir, 'keys/fitko-signing.key.pem'));
    expect(u.pollIntervalMs).toBe(30_000);
    expect(u.missingAttachmentGraceMs).toBe(3_600_000);
    expect(config.upstreamOverdueAfter).toBe(2 * 86_400);
    // secrets never print
    expect(inspect(config)).not.toContain('client-secret-from-file');
    expect(inspect(config)).not.toContain('inline-callback-secret');
  });

  it('keeps the destinationId in lower case, as the Zustelldienst names it in its lists (one in capitals matched none of them)', () => {
    const config = resolveConfig({ ...base, upstreams: { fitConnect: [{ ...upstream, clientSecret: 'inline-secret', destinationId: upstream.destinationId.toUpperCase() }] } }, { baseDir: '/', env: {} });
    expect(config.upstreams.fitConnect[0]!.destinationId).toBe(upstream.destinationId);
  });

  it('takes upstreamOverdueAfter as a duration', () => {
    expect(resolveConfig({ ...base, upstreamOverdueAfter: '36h' }, { env: {} }).upstreamOverdueAfter).toBe(36 * 3600);
    expect(() => resolveConfig({ ...base, upstreamOverdueAfter: '2 days' }, { env: {} })).toThrow(ConfigError);
  });

  it('refuses an unknown tenant, duplicate ids, a poll interval below 100 ms, a missing-attachment grace below a minute and an unreadable secret file', () => {
    const problems = (raw: Record<string, unknown>): string => {
      try {
        resolveConfig({ ...base, ...raw }, { env: {}, baseDir: '/nonexistent' });
      } catch (error) {
        return (error as ConfigError).message;
      }
      return '';
    };
    expect(problems({ upstreams: { fitConnect: [{ ...upstream, tenant: 'nowhere', clientSecret: 'x' }] } })).toMatch(/upstreams\.fitConnect\.0\.tenant: unknown tenant "nowhere"/);
    expect(problems({ upstreams: { fitConnect: [{ ...upstream, clientSecret: 'x' }, { ...upstream, clientSecret: 'x' }] } })).toMatch(/unique/);
    expect(problems({ upstreams: { fitConnect: [{ ...upstream, clientSecret: 'x', pollIntervalMs: 50 }] } })).toMatch(/pollIntervalMs/);
    expect(problems({ upstreams: { fitConnect: [{ ...upstream, clientSecret: 'x', missingAttachmentGraceMs: 1000 }] } })).toMatch(/upstreams\.fitConnect\.0\.missingAttachmentGraceMs/);
    expect(problems({ upstreams: { fitConnect: [upstream] } })).toMatch(/upstreams\.fitConnect\.0\.clientSecret: cannot read secret file/);
  });
});
