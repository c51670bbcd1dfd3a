import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallHubConfig, startTestHub, testDestination, testService, type TestHub } from '../../test-hub.js';
import { grantOf } from './sender-scopes.js';

// FIT-Connect documents sender scopes by region (`send:region:DE<ARS prefix>`, "send:region:DE" for all of Germany)
// and by service (`send:service:<LeiKa key>`); the hub issued and accepted only its own `send:destination:<id>`, so a
// sender asking its token for the documented `send:region:DE` was refused (invalid_scope). Both forms now reach the
// configured destinations that serve the region or offer the service; `send:destination:` keeps working.

const BAU = 'urn:de:fim:leika:leistung:99010003001006';
const ABSCHLEPP = 'urn:de:fim:leika:leistung:99108008252000';
const A = randomUUID(); // Bau in Bayern (DE09...), Abschleppen in Nordrhein-Westfalen (DE05...)
const B = randomUUID(); // Bau in all of Germany (no regions configured)
const SENDER = { id: 'portal', secret: randomBytes(16).toString('hex') };

describe('grantOf', () => {
  const lookup = (id: string) =>
    id === A
      ? { services: [{ identifier: BAU, regions: ['DE09162000000'] }, { identifier: ABSCHLEPP, regions: ['DE05315000000'] }] }
      : { services: [{ identifier: BAU, regions: [] }] };

  it.each([
    ['send:region:DE09', [[A, [BAU]]]],
    ['send:region:DE', [[A, [BAU, ABSCHLEPP]], [B, [BAU]]]],
    ['send:service:99108008252000', [[A, [ABSCHLEPP]]]],
    ['send:service:99010003001006', [[A, [BAU]], [B, [BAU]]]],
    [`send:destination:${A}`, [[A, 'all']]],
    ['send:region:DE01', []],
    ['send:region:09', []],
    ['send:destination:not-a-uuid', []],
  ])('%s', (scope, expected) => {
    expect([...grantOf([A, B], [scope], lookup)]).toEqual(expected);
  });

  it('scopes add up; a destination reached by its id is reached whole', () => {
    expect([...grantOf([A, B], ['send:region:DE09', 'send:service:99108008252000', `send:destination:${B}`], lookup)]).toEqual([
      [A, [BAU, ABSCHLEPP]],
      [B, 'all'],
    ]);
  });

  it('never reaches beyond the configured destinations', () => {
    expect([...grantOf([B], ['send:region:DE09'], lookup)]).toEqual([]);
  });
});

describe('sender tokens with the documented scopes, against the hub', () => {
  let hub: TestHub;
  let base: string;

  beforeAll(async () => {
    hub = await startTestHub((dir) =>
      smallHubConfig(dir, {
        destinations: [
          testDestination(dir, A, [{ ...testService(BAU), regions: ['DE09162000000'] }, { ...testService(ABSCHLEPP, 'Abschleppen'), regions: ['DE05315000000'] }]),
          testDestination(dir, B, [testService(BAU)]),
        ],
        senderClients: [{ clientId: SENDER.id, clientSecret: SENDER.secret, name: 'Portal', destinations: [A, B] }],
      }),
    );
    base = await hub.app.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
  });

  async function token(scope?: string): Promise<Response> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: SENDER.id, client_secret: SENDER.secret, ...(scope ? { scope } : {}) });
    return fetch(`${base}/token`, { method: 'POST', body });
  }

  async function create(authorization: string, destinationId: string, identifier: string): Promise<number> {
    const response = await fetch(`${base}/v1/submissions`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ destinationId, serviceType: { identifier, name: 'x' }, announcedAttachments: [] }),
    });
    return response.status;
  }

  it.each([
    ['send:region:DE09', { aBau: 201, aAbschlepp: 403, bBau: 403 }],
    ['send:region:DE', { aBau: 201, aAbschlepp: 201, bBau: 201 }],
    ['send:service:99108008252000', { aBau: 403, aAbschlepp: 201, bBau: 403 }],
    [`send:destination:${A}`, { aBau: 201, aAbschlepp: 201, bBau: 403 }],
    [undefined, { aBau: 201, aAbschlepp: 201, bBau: 201 }],
  ])('scope %s', async (scope, expected) => {
    const response = await token(scope);
    expect(response.status).toBe(200);
    const granted = (await response.json()) as { access_token: string; scope: string };
    if (scope) expect(granted.scope).toBe(scope);
    const authorization = `Bearer ${granted.access_token}`;
    expect({ aBau: await create(authorization, A, BAU), aAbschlepp: await create(authorization, A, ABSCHLEPP), bBau: await create(authorization, B, BAU) }).toEqual(expected);
  });

  it('a token narrowed to a service continues only that service’s submissions, not another’s made with a wider token', async () => {
    const wide = `Bearer ${((await (await token()).json()) as { access_token: string }).access_token}`;
    const created = await fetch(`${base}/v1/submissions`, {
      method: 'POST',
      headers: { authorization: wide, 'content-type': 'application/json' },
      body: JSON.stringify({ destinationId: A, serviceType: { identifier: ABSCHLEPP, name: 'x' }, announcedAttachments: [] }),
    });
    expect(created.status).toBe(201);
    const { submissionId, caseId } = (await created.json()) as { submissionId: string; caseId: string };
    // reaches destination A, but only for BAU
    const narrow = `Bearer ${((await (await token('send:service:99010003001006')).json()) as { access_token: string }).access_token}`;
    const submitted = await fetch(`${base}/v1/submissions/${submissionId}`, {
      method: 'PUT',
      headers: { authorization: narrow, 'content-type': 'application/json' },
      body: JSON.stringify({ encryptedMetadata: 'a.b.c.d.e' }),
    });
    expect(submitted.status).toBe(403);
    const events = await fetch(`${base}/v1/cases/${caseId}/events`, { headers: { authorization: narrow } });
    expect(events.status).toBe(403);
  });

  it('get-destination-info shows a narrowed sender the whole destination: its services are no secret of the grant', async () => {
    // OpenAPI Destination is "Repräsentation eines Zustellpunktes" with the services it offers (the Routing API
    // publishes them to anyone); the scope decides what the sender may submit, which create-submission enforces
    const narrow = `Bearer ${((await (await token('send:service:99010003001006')).json()) as { access_token: string }).access_token}`;
    const response = await fetch(`${base}/v1/destinations/${A}`, { headers: { authorization: narrow } });
    expect(response.status).toBe(200);
    const { services } = (await response.json()) as { services: Array<{ identifier: string }> };
    expect(services.map((s) => s.identifier).sort()).toEqual([ABSCHLEPP, BAU].sort());
    const other = await fetch(`${base}/v1/destinations/${B}`, { headers: { authorization: `Bearer ${((await (await token('send:region:DE09')).json()) as { access_token: string }).access_token}` } });
    expect(other.status).toBe(403);
  });

  it('a documented-form scope that reaches none of the client’s destinations is invalid_scope, as an unknown one', async () => {
    for (const scope of ['send:region:DE01', 'send:service:99999999999999', 'send:region:XX', `send:destination:${randomUUID()}`]) {
      const response = await token(scope);
      expect(response.status, scope).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_scope' });
    }
  });
});
