import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipFile } from 'yazl';
import { PermanentDeliveryError, TransientDeliveryError } from '@weiche/adapter-sdk';
import { errorFacts } from '@weiche/core';
import { bufferPackage, generatedPackage } from '@weiche/adapter-sdk/conformance';
import { generateRsaKeyPair } from '@weiche/crypto';
import { HttpAdapterConfig } from './config.js';
import { httpAdapter } from './http-adapter.js';
import { startTestEndpoint, type TestEndpoint } from './test-endpoint.js';
import { certificateSha256 } from './tls-options.js';

const secret = 'unit-test-secret-0123456789';
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const options = (key: string) => ({ idempotencyKey: key, signal: new AbortController().signal, log });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (error: unknown) => error);
}

async function zipOf(entries: Record<string, string>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, content] of Object.entries(entries)) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('http adapter', () => {
  let endpoint: TestEndpoint;
  beforeAll(async () => {
    endpoint = await startTestEndpoint({ secret });
  });
  afterAll(() => endpoint.close());

  const adapter = (extra: Partial<HttpAdapterConfig> = {}) =>
    httpAdapter.create({ instanceId: 'h', config: HttpAdapterConfig.parse({ url: endpoint.url, secret, timeoutMs: 2000, ...extra }) });

  it('POSTs a signed package with Idempotency-Key and returns the far side id in the receipt', async () => {
    const pkg = generatedPackage('Bauantrag_ä.zip', 100_000);
    const receipt = await adapter().deliver(pkg, options('s1:r1'));
    const stored = endpoint.stored.find((s) => s.key === 's1:r1');
    expect(stored).toMatchObject({ name: 'Bauantrag_ä.zip', size: 100_000, sha256: pkg.sha256, contentType: 'application/zip' });
    expect(receipt).toMatchObject({ httpStatus: 201, id: stored?.answer.id, fileName: 'Bauantrag_ä.zip' });
    expect(endpoint.badSignatures).toBe(0);
  });

  it('is rejected by the endpoint when signed with another secret (permanent 401)', async () => {
    const before = endpoint.badSignatures;
    const other = httpAdapter.create({ instanceId: 'x', config: HttpAdapterConfig.parse({ url: endpoint.url, secret: 'a-different-secret-000' }) });
    expect(await rejection(other.deliver(generatedPackage('x.zip', 10), options('s2:r1')))).toBeInstanceOf(PermanentDeliveryError);
    expect(endpoint.badSignatures).toBe(before + 1);
  });

  it.each([
    [408, '3', 3000],
    [429, '7', 7000],
    [500, undefined, undefined],
    [503, new Date(Date.now() + 60_000).toUTCString(), 'date'],
  ] as const)('HTTP %i is transient and honours Retry-After %s', async (status, retryAfter, expected) => {
    endpoint.failNext(1, status, retryAfter);
    const error = await rejection(adapter().deliver(generatedPackage('t.zip', 10), options(`t-${status}`)));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    const ms = (error as TransientDeliveryError).retryAfterMs;
    if (expected === 'date') expect(ms).toBeGreaterThan(50_000);
    else expect(ms).toBe(expected);
  });

  it.each([400, 404, 413, 422])('HTTP %i is permanent', async (status) => {
    endpoint.failNext(1, status);
    expect(await rejection(adapter().deliver(generatedPackage('p.zip', 10), options(`p-${status}`)))).toBeInstanceOf(PermanentDeliveryError);
  });

  it.each([500, 404])('tells the log the far side\'s status of HTTP %i as a fact (the message stays in the journal)', async (status) => {
    endpoint.failNext(1, status);
    const error = await rejection(adapter().deliver(generatedPackage('f.zip', 10), options(`f-${status}`)));
    expect(errorFacts(error)).toMatchObject({ status, code: expect.stringMatching(/^WEICHE_ERR_DELIVERY_/) });
  });

  it('treats connection refused and an endpoint that never answers as transient, within the idle timeout', async () => {
    const refused = httpAdapter.create({ instanceId: 'r', config: HttpAdapterConfig.parse({ url: 'http://127.0.0.1:9/x', secret }) });
    expect(await rejection(refused.deliver(generatedPackage('r.zip', 10), options('r')))).toBeInstanceOf(TransientDeliveryError);
    expect((await refused.health()).ok).toBe(false);
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const hanging = httpAdapter.create({ instanceId: 'h', config: HttpAdapterConfig.parse({ url: `http://127.0.0.1:${port}/`, secret, timeoutMs: 300 }) });
    const started = Date.now();
    expect(await rejection(hanging.deliver(generatedPackage('h.zip', 10), options('h')))).toBeInstanceOf(TransientDeliveryError);
    expect(Date.now() - started).toBeLessThan(3000);
    silent.close();
  });

  it('takes no 2xx for a package the endpoint answered before receiving it whole; an early refusal keeps its status', async () => {
    // answers as soon as the request head is in, then closes: most of the 5 MB body never arrives
    const early = (answer: string) =>
      createServer((socket) => {
        socket.once('data', () => socket.end(answer));
        socket.on('error', () => undefined);
      });
    const deliverTo = async (answer: string): Promise<unknown> => {
      const server = early(answer);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
      const a = httpAdapter.create({ instanceId: 'e', config: HttpAdapterConfig.parse({ url, secret, timeoutMs: 2000 }) });
      try {
        return await a.deliver(generatedPackage('e.zip', 5_000_000), options('e'));
      } catch (error) {
        return error;
      } finally {
        await a.stop?.();
        server.close();
      }
    };
    const ok = await deliverTo('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    expect(ok).toBeInstanceOf(TransientDeliveryError);
    expect((ok as Error).message).toContain('before it had received the whole package');
    const refused = await deliverTo('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    expect(refused).toBeInstanceOf(PermanentDeliveryError);
    expect((refused as Error).message).toBe('endpoint answered HTTP 413');
  });

  it('multipart mode sends the xÖV message first, then each document, signed over the exact body', async () => {
    const zip = await zipOf({ 'a.pdf': 'PDF-1', 'p1_Abgabe.Abgabe.0401.xml': '<xdomea/>', 'b "x".txt': 'B' });
    const receipt = await adapter({ mode: 'multipart' }).deliver(bufferPackage('p1.zip', zip), options('m1'));
    expect(receipt.httpStatus).toBe(201);
    const stored = endpoint.stored.find((s) => s.key === 'm1');
    const boundary = /boundary=(.+)$/.exec(stored?.contentType ?? '')?.[1];
    expect(boundary).toBeDefined();
    const body = stored?.body?.toString('utf8') ?? '';
    const parts = body.split(`--${boundary}`).slice(1, -1);
    expect(parts).toHaveLength(3);
    expect(parts[0]).toContain('name="message"; filename="p1_Abgabe.Abgabe.0401.xml"');
    expect(parts[0]).toContain('\r\n\r\n<xdomea/>\r\n');
    expect(parts[1]).toContain('name="document"; filename="a.pdf"');
    expect(parts[2]).toContain('filename="b %22x%22.txt"');
    expect(body.endsWith(`--${boundary}--\r\n`)).toBe(true);
  });

  it('multipart mode rejects a package without XML, or not a ZIP, as permanent', async () => {
    const noXml = await zipOf({ 'a.pdf': 'x' });
    expect(await rejection(adapter({ mode: 'multipart' }).deliver(bufferPackage('n.zip', noXml), options('n1')))).toBeInstanceOf(PermanentDeliveryError);
    expect(await rejection(adapter({ mode: 'multipart' }).deliver(bufferPackage('n.zip', Buffer.from('no zip')), options('n2')))).toBeInstanceOf(PermanentDeliveryError);
  });
});

describe('http adapter over TLS', () => {
  let endpoint: TestEndpoint;
  let dir: string;
  let serverCertDer: Buffer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'http-tls-'));
    const server = await generateRsaKeyPair({ commonName: 'localhost', bits: 2048 });
    const client = await generateRsaKeyPair({ commonName: 'weiche-client', bits: 2048 });
    await writeFile(join(dir, 'ca.pem'), server.certificatePem);
    await writeFile(join(dir, 'client.pem'), client.certificatePem);
    await writeFile(join(dir, 'client-key.pem'), client.privateKeyPem);
    serverCertDer = new X509Certificate(server.certificatePem).raw;
    endpoint = await startTestEndpoint({ secret, tls: { key: server.privateKeyPem, cert: server.certificatePem, ca: client.certificatePem, requestCert: true } });
  });
  afterAll(() => endpoint.close());

  const tlsConfig = (extra: Partial<HttpAdapterConfig>) =>
    HttpAdapterConfig.parse({ url: endpoint.url, secret, caFile: join(dir, 'ca.pem'), clientCertFile: join(dir, 'client.pem'), clientKeyFile: join(dir, 'client-key.pem'), ...extra });

  it('delivers with a client certificate when the pinned fingerprint matches (colon notation accepted)', async () => {
    const pin = certificateSha256(serverCertDer).toUpperCase().replace(/(..)(?!$)/g, '$1:');
    const adapter = httpAdapter.create({ instanceId: 't', config: tlsConfig({ pinnedCertSha256: pin }) });
    await adapter.deliver(generatedPackage('tls.zip', 1000), options('tls-1'));
    expect(endpoint.stored.map((s) => s.key)).toContain('tls-1');
    expect((await adapter.health()).ok).toBe(true);
    await adapter.stop?.();
  });

  it('refuses a server whose certificate does not match the pin (permanent, nothing sent)', async () => {
    const adapter = httpAdapter.create({ instanceId: 't', config: tlsConfig({ pinnedCertSha256: 'ab'.repeat(32) }) });
    expect(await rejection(adapter.deliver(generatedPackage('tls.zip', 1000), options('tls-2')))).toBeInstanceOf(PermanentDeliveryError);
    expect(endpoint.stored.map((s) => s.key)).not.toContain('tls-2');
    expect((await adapter.health()).ok).toBe(false);
    await adapter.stop?.();
  });

  it('is refused by the server without a client certificate', async () => {
    const adapter = httpAdapter.create({ instanceId: 't', config: HttpAdapterConfig.parse({ url: endpoint.url, secret, caFile: join(dir, 'ca.pem') }) });
    expect(await rejection(adapter.deliver(generatedPackage('tls.zip', 1000), options('tls-3')))).toBeInstanceOf(TransientDeliveryError);
    expect(endpoint.stored.map((s) => s.key)).not.toContain('tls-3');
    await adapter.stop?.();
  });
});

describe('http adapter config', () => {
  it('requires client certificate and key together and a 64-hex pin', () => {
    const base = { url: 'https://dms.example/in', secret: 'x'.repeat(16) };
    expect(HttpAdapterConfig.safeParse({ ...base, clientCertFile: '/c.pem' }).success).toBe(false);
    expect(HttpAdapterConfig.safeParse({ ...base, pinnedCertSha256: 'abc' }).success).toBe(false);
    expect(HttpAdapterConfig.parse({ ...base, pinnedCertSha256: 'AB:'.repeat(31) + 'AB' }).pinnedCertSha256).toBe('ab'.repeat(32));
    expect(HttpAdapterConfig.parse(base)).toMatchObject({ mode: 'zip', timeoutMs: 30_000 });
    expect(HttpAdapterConfig.safeParse({ ...base, url: 'ftp://x/' }).success).toBe(false);
  });
});
