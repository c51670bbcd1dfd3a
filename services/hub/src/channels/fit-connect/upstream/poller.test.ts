import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FsBlobStore } from '@weiche/blobstore';
import type { FitConnectUpstream, WeicheConfig } from '@weiche/config';
import { Secret } from '@weiche/core';
import { createPool, Journal, migrate, MissingAttachmentStore, UpstreamStore } from '@weiche/journal';
import { SubmissionApiClient } from './api-client.js';
import { zustelldienstKeys } from './event-log.js';
import { UpstreamPoller } from './poller.js';
import { closeLocal, listenLocal } from './test-server.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DESTINATION = '6f0b1c2d-abcd-4000-8000-00000000000e';
const pool = createPool(DATABASE_URL, { max: 4 });
const schema = `t_${randomBytes(5).toString('hex')}`;

/**
 * A Zustelldienst whose submissions answer slowly (then 503), and that counts how many of them the hub fetches at
 * once; its pickup list holds `listed`.
 */
async function slowZustelldienst(listed: readonly unknown[] = []): Promise<{ url: string; server: Server; fetched: () => number; mostAtOnce: () => number }> {
  let open = 0;
  let most = 0;
  let fetched = 0;
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST') return void res.end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
    if (req.url?.startsWith('/v1/submissions?')) return void res.end(JSON.stringify({ totalCount: listed.length, count: listed.length, offset: 0, submissions: listed }));
    open += 1;
    fetched += 1;
    most = Math.max(most, open);
    setTimeout(() => {
      open -= 1;
      res.writeHead(503).end();
    }, 20);
  });
  return { url: await listenLocal(server), server, fetched: () => fetched, mostAtOnce: () => most };
}

beforeAll(() => migrate(pool, schema));
afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

/** A poller of the Zustelldienst at `url` with the hub's real journal, blob store and upstream bookkeeping. */
async function pollerOf(url: string, id = 'zd'): Promise<UpstreamPoller> {
  const config = {
    id,
    tenant: 'testhausen',
    submissionApiUrl: url,
    tokenUrl: `${url}/token`,
    clientId: 'subscriber',
    clientSecret: new Secret('secret'),
    destinationId: DESTINATION,
    pollIntervalMs: 600_000,
    missingAttachmentGraceMs: 3_600_000,
  } as FitConnectUpstream;
  return new UpstreamPoller(
    { config, client: new SubmissionApiClient(config), keys: zustelldienstKeys(`${url}/.well-known/jwks.json`) },
    {
      journal: new Journal({ pool, schema }),
      blobs: new FsBlobStore({ root: await mkdtemp(join(tmpdir(), 'weiche-poller-')) }),
      // never reached: every fetch of a submission fails
      queues: { enqueueProcess: () => Promise.reject(new Error('not reached')) },
      limits: { metadataBytes: 1_000_000, dataBytes: 1_000_000, attachmentBytes: 1_000_000, submissionBytes: 10_000_000 } as WeicheConfig['limits'],
      log: pino({ level: 'silent' }),
      upstreams: new UpstreamStore({ pool, schema }),
      missingAttachments: new MissingAttachmentStore({ pool, schema }),
    },
  );
}

describe('UpstreamPoller on callbacks naming many submissions', () => {
  it('picks the named submissions up one after another, not all at once (a callback of thousands of ids held them all in memory and the pool)', async () => {
    const zd = await slowZustelldienst();
    try {
      const poller = await pollerOf(zd.url);
      const ids = Array.from({ length: 40 }, () => randomUUID());
      await poller.trigger(ids);
      // the same ids again (a callback repeated): not fetched twice at once either
      await poller.trigger(ids);
      // one after another takes a while on a busy machine: wait for the fetches, then look at how they overlapped
      await vi.waitFor(() => expect(zd.fetched()).toBeGreaterThanOrEqual(ids.length), { timeout: 30_000, interval: 50 });
      await poller.stop();
      expect(zd.mostAtOnce()).toBe(1);
    } finally {
      await closeLocal(zd.server);
    }
  });
});

describe('UpstreamPoller on a pickup list with an entry not of the API shape', () => {
  it('goes on to the entries after it, and names it in the poll error', async () => {
    const good = { destinationId: DESTINATION, submissionId: randomUUID(), caseId: randomUUID() };
    const zd = await slowZustelldienst([{ destinationId: DESTINATION, submissionId: 'not-a-uuid' }, good]);
    try {
      const poller = await pollerOf(zd.url);
      poller.start();
      await vi.waitFor(() => expect(zd.fetched()).toBeGreaterThan(0), { timeout: 30_000, interval: 50 });
      await poller.stop();
      // the good entry was fetched (and failed with 503, to be tried again)
      expect(zd.fetched()).toBe(1);
      const { rows } = await pool.query<{ last_error: string }>(`SELECT last_error FROM "${schema}".upstream_polls WHERE upstream_id = 'zd'`);
      expect(rows[0]?.last_error).toMatch(/no SubmissionForPickup|HTTP 503/);
    } finally {
      await closeLocal(zd.server);
    }
  });
});

describe('UpstreamPoller status after a pass with several different failures', () => {
  it('reports how many of each kind and the last, not only the last one', async () => {
    const entry = () => ({ destinationId: DESTINATION, submissionId: randomUUID(), caseId: randomUUID() });
    const [busy1, busy2, proxied] = [entry(), entry(), entry()];
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') return void res.end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
      if (req.url?.startsWith('/v1/submissions?')) {
        const submissions = [busy1, { destinationId: DESTINATION, submissionId: 'not-a-uuid' }, proxied, busy2];
        return void res.end(JSON.stringify({ totalCount: submissions.length, submissions }));
      }
      if (req.url?.includes(proxied.submissionId)) return void res.end(JSON.stringify({ status: 'maintenance' }));
      res.writeHead(503).end();
    });
    const url = await listenLocal(server);
    try {
      const poller = await pollerOf(url, 'zd-several');
      const store = new UpstreamStore({ pool, schema });
      const lastError = async () => (await store.records(['zd-several'], 3600)).get('zd-several')?.lastError?.message;
      // the first pass, to its end (the next one is 10 min away)
      poller.start();
      for (let i = 0; i < 200 && (await lastError()) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      await poller.stop();
      const message = (await lastError()) ?? '';
      expect(message).toMatch(/^4 failures in this pass: /);
      expect(message).toContain('2× get submission → HTTP 503');
      expect(message).toContain('1× get submission: the answer is not of the Submission API');
      expect(message).toContain('1× the upstream listed an entry that is no SubmissionForPickup');
      expect(message).toMatch(/— last: get submission → HTTP 503$/);
      expect(message.length).toBeLessThanOrEqual(500);
    } finally {
      await closeLocal(server);
    }
  });
});
