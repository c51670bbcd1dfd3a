import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xtaFailureKind, XtaSoapHttpClient } from '@weiche/hub';
import { tempDir } from '../support/env.js';
import { createTestPki, type TestCertificate, type TestPki } from '../support/test-pki.js';
import { XtaUpstreamServer } from '../support/xta-upstream-server.js';

const REQUEST = { operation: 'checkAccountActive', contentType: 'application/soap+xml; charset=utf-8', body: Buffer.from('<Envelope/>') } as const;

// weiche_upstream_failures_total{kind}: a TLS 1.3 server checks the client certificate after the handshake, and Node's
// TLS server (the test intermediary) then just closes — the client sees a hang-up, not a TLS alert. A refused client
// certificate must still count as `tls`, not as `connection`.
describe('XTA upstream client: a client certificate the intermediary refuses', () => {
  let pki: TestPki;
  let server: XtaUpstreamServer;
  let account: TestCertificate;
  let rogue: TestCertificate;

  beforeAll(async () => {
    const dir = await tempDir('xta-client-certificate');
    pki = await createTestPki(dir, 'rz');
    account = await pki.client('weiche-soest');
    rogue = await (await createTestPki(dir, 'rogue')).client('weiche-soest');
    server = await new XtaUpstreamServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca, accounts: [{ certificatePem: account.cert, identity: 'ags:05974028' }] }).start();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  const post = async (cert: TestCertificate): Promise<unknown> => {
    const client = new XtaSoapHttpClient({ id: 'rz', auth: { clientCertificateFile: cert.certFile, clientKeyFile: cert.keyFile }, caFile: pki.caFile }, 1_000_000, 10_000);
    try {
      return await client.post(server.managementUrl, REQUEST);
    } catch (error) {
      return error;
    } finally {
      client.close();
    }
  };

  it('a certificate of another CA is `tls` on every try, and the operator reads why', async () => {
    const refusedBefore = server.refusedConnections;
    for (let i = 0; i < 10; i++) {
      const error = await post(rogue);
      expect(error).toBeInstanceOf(Error);
      expect(xtaFailureKind(error), (error as Error).message).toBe('tls');
      expect((error as Error).message).toMatch(/TLS refused: WEICHE_TLS_HANG_UP_AFTER_CLIENT_CERTIFICATE/);
    }
    expect(server.refusedConnections - refusedBefore).toBe(10);
  });

  it('the account\'s certificate gets an answer (a SOAP fault for this empty envelope), not a transport error', async () => {
    const answer = await post(account);
    expect(answer).not.toBeInstanceOf(Error);
    expect(answer).toMatchObject({ status: 400, contentType: expect.stringContaining('soap') });
  });
});
