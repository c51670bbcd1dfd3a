import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, tempDir, uniqueName } from '../support/env.js';
import { eventNames, eventPayload, sha512, TestSender } from '../support/fit-connect-sender.js';
import { HubProcess, startHubOnFreePort } from '../support/hub-process.js';
import { readZip, XDOMEA_XSD, xmllint } from '../support/zip.js';
import { accepted, waitForEvents } from '../support/wait-for-events.js';

// The demo as `npm start` runs it: the built hub with no config file, its embedded defaults,
// a real port, real Redis and PostgreSQL; the sender is written with jose only.
describe('demo: FIT-Connect submission → xdomea 0401 ZIP in the DMS folder', () => {
  const schema = uniqueName('demo');
  let dataDir: string;
  let hub: HubProcess;
  let demo: { baseUrl: string; clientId: string; clientSecret: string; destinations: Array<{ destinationId: string; outbox: string }> };

  beforeAll(async () => {
    dataDir = await tempDir('demo');
    const prefix = uniqueName('wdemo');
    ({ hub } = await startHubOnFreePort((port) => new HubProcess([], { PORT: String(port), WEICHE_DATA_DIR: dataDir, WEICHE_DB_SCHEMA: schema, WEICHE_REDIS_PREFIX: prefix }), 'Weiche demo is running'));
    demo = JSON.parse(await readFile(join(dataDir, 'demo.json'), 'utf8')) as typeof demo;
  });

  afterAll(async () => {
    await hub.stop();
    await dropSchema(schema);
  });

  it('writes demo.json and explains how to try it', () => {
    expect(demo.baseUrl).toMatch(/^http:\/\/localhost:\d+$/);
    expect(demo.destinations).toHaveLength(1);
    expect(demo.destinations[0]?.outbox).toBe(join(dataDir, 'outbox', 'demo'));
    expect(hub.output).toContain('POST');
    expect(hub.output).toContain('demo.json');
  });

  it('delivers data + two attachments, signs accept-submission, and writes a valid xdomea ZIP', async () => {
    const sender = new TestSender(demo.baseUrl, demo.clientId, demo.clientSecret);
    const destination = demo.destinations[0]!;
    const { jwk } = await sender.destinationKey(destination.destinationId);
    expect(jwk.alg).toBe('RSA-OAEP-256');
    expect((jwk.n ?? '').length).toBeGreaterThanOrEqual(683);
    expect(jwk.x5c?.length).toBeGreaterThan(0);

    const data = Buffer.from(JSON.stringify({ inhaber: { vorname: 'Jürgen', familienname: 'Weiß' }, taetigkeit: 'Fahrradwerkstatt' }));
    const plan = randomBytes(100 * 1024);
    const photo = randomBytes(100 * 1024);
    const sent = await sender.send({
      destinationId: destination.destinationId,
      serviceIdentifier: 'urn:de:fim:leika:leistung:99050012104000',
      serviceName: 'Gewerbe anmelden',
      data,
      schemaUri: 'urn:weiche:demo:gewerbeanmeldung:1.0',
      senderReference: 'PORTAL-4711',
      attachments: [
        { content: plan, filename: 'Lageplan Größe.pdf', mimeType: 'application/pdf', purpose: 'attachment' },
        { content: photo, filename: 'Ansicht Süd.png', mimeType: 'image/png', purpose: 'attachment' },
      ],
    });
    expect(sent.statuses).toEqual({ attachment0: 204, attachment1: 204, submit: 202 });

    const tokens = await waitForEvents(sender, sent.caseId, accepted);
    expect(eventNames(tokens)).toEqual(['create-submission', 'submit-submission', 'accept-submission']);

    const jwks = (await (await fetch(`${demo.baseUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const keySet = createLocalJWKSet(jwks);
    for (const token of tokens) {
      const { payload, protectedHeader } = await jwtVerify(token, keySet, { typ: 'secevent+jwt', algorithms: ['PS512'] });
      expect(payload.sub).toBe(`submission:${sent.submissionId}`);
      expect(payload.txn).toBe(`case:${sent.caseId}`);
      expect(protectedHeader.kid).toBeTruthy();
    }
    expect(eventPayload(tokens[2]!)).toEqual({ authenticationTags: sent.tags });

    // polling is conditional: the same page with its ETag answers 304 and no body; a stale ETag gets the page
    const eventsPath = `/v1/cases/${sent.caseId}/events`;
    const page = await sender.request('GET', eventsPath);
    const etag = page.headers.get('etag');
    expect(etag).toBeTruthy();
    const unchanged = await sender.request('GET', eventsPath, undefined, undefined, { 'if-none-match': etag! });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
    const stale = await sender.request('GET', eventsPath, undefined, undefined, { 'if-none-match': `"events-2-0-${100}"` });
    expect(stale.status).toBe(200);
    expect(((await stale.json()) as { eventLog: string[] }).eventLog).toEqual(tokens);

    const zips = (await readdir(destination.outbox)).filter((f) => f.endsWith('_Abgabe.Abgabe.0401.zip'));
    expect(zips).toHaveLength(1);
    const entries = await readZip(join(destination.outbox, zips[0]!));
    const prozessId = zips[0]!.replace('_Abgabe.Abgabe.0401.zip', '');
    const xml = entries.find((e) => e.name === `${prozessId}_Abgabe.Abgabe.0401.xml`);
    expect(xml).toBeDefined();
    const verdict = await xmllint(xml!.content, XDOMEA_XSD(), dataDir);
    expect(verdict.output).toContain('validates');
    expect(verdict.ok).toBe(true);
    expect(entries.every((e) => e.utf8Flag && !e.name.includes('/'))).toBe(true);
    const bySha = new Map(entries.map((e) => [sha512(e.content), e.name]));
    expect(bySha.get(sha512(plan))).toMatch(/^[0-9a-f-]{36}_Lageplan Größe\.pdf$/);
    expect(bySha.get(sha512(photo))).toMatch(/^[0-9a-f-]{36}_Ansicht Süd\.png$/);
    expect(bySha.has(sha512(data))).toBe(true);
    expect(xml!.content.toString('utf8')).toContain('PORTAL-4711');
    // plaintext never lands unencrypted in the hub's own storage
    const stored = await readdir(join(dataDir, 'blobs'), { recursive: true });
    for (const file of stored) {
      const path = join(dataDir, 'blobs', String(file));
      const content = await readFile(path).catch(() => undefined);
      if (content) expect(content.includes(plan.subarray(0, 64))).toBe(false);
    }
  });
});
