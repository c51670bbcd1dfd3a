import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessHub } from '../support/hub-in-process.js';
import { startXtaTestHub } from '../support/xta-hub.js';
import { ACTIONS, envelope, XtaTestClient } from '../support/xta-sender.js';

// A TLS-terminating proxy passes the caller's certificate in a header (xta.auth.modes: proxy-header). The header is
// only as good as the proxy: a caller reaching the hub's port directly must not name an identity's (public)
// certificate in it and be taken for that identity.
describe('XTA 2: the client certificate header of a TLS-terminating proxy', () => {
  const fingerprint = createHash('sha256').update(randomBytes(32)).digest('hex');
  const hubs: InProcessHub[] = [];

  /** A hub whose author is known by certificate only, believing the header from `trustedProxies`. */
  async function hubTrusting(name: string, trustedProxies: string[]): Promise<XtaTestClient> {
    const { hub } = await startXtaTestHub(name, {
      overrides: (raw) => {
        const xta = raw.xta as { identities: Array<Record<string, unknown>>; auth?: unknown };
        xta.identities = xta.identities.map((identity) => (identity.kind === 'author' ? { identifier: identity.identifier, kind: 'author', certificateSha256: fingerprint } : identity));
        xta.auth = { modes: ['proxy-header'], proxyHeader: 'x-ssl-client-cert-sha256', proxyHeaderFormat: 'sha256', trustedProxies };
      },
    });
    hubs.push(hub);
    return new XtaTestClient(hub.baseUrl, undefined);
  }

  let behindProxy: XtaTestClient;
  let proxyElsewhere: XtaTestClient;
  beforeAll(async () => {
    // the tests reach the hub over loopback: the first hub's proxy is on the same host, the second's is not
    behindProxy = await hubTrusting('xta-proxy-loopback', ['127.0.0.1/32', '::1/128']);
    proxyElsewhere = await hubTrusting('xta-proxy-remote', ['192.0.2.0/24', '2001:db8::/32']);
  }, 180_000);

  afterAll(async () => {
    for (const hub of hubs) await hub.stop();
  });

  const checkAccountActive = (client: XtaTestClient, headers: Record<string, string>) => client.post('management', envelope(ACTIONS.checkAccountActive, ''), undefined, headers);

  it('takes the certificate from a trusted proxy', async () => {
    const reply = await checkAccountActive(behindProxy, { 'x-ssl-client-cert-sha256': fingerprint });
    expect(reply.status).toBe(200);
    expect(reply.fault).toBeUndefined();
    // an unknown certificate from the trusted proxy is still no identity
    expect((await checkAccountActive(behindProxy, { 'x-ssl-client-cert-sha256': 'ab'.repeat(32) })).fault).toBe('9012');
  });

  it('refuses the header from any other peer with 9012, whatever X-Forwarded-For says', async () => {
    const direct = await checkAccountActive(proxyElsewhere, { 'x-ssl-client-cert-sha256': fingerprint });
    expect(direct.fault).toBe('9012');
    expect(direct.text).toContain('trusted proxy');
    const forged = await checkAccountActive(proxyElsewhere, { 'x-ssl-client-cert-sha256': fingerprint, 'x-forwarded-for': '192.0.2.7' });
    expect(forged.fault).toBe('9012');
  });
});
