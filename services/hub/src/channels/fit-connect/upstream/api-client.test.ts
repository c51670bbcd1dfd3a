import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, Secret } from '@weiche/core';
import { MAX_EVENT_LOG_BYTES, MAX_PICKUP_LIST_ENTRIES, SubmissionApiClient } from './api-client.js';
import { closeLocal, listenLocal } from './test-server.js';

/** A Zustelldienst whose pickup list never ends (`totalCount` always ahead) until `pages` pages were served. */
async function endlessPickupList(pages: number): Promise<{ url: string; server: Server; served: () => number }> {
  let served = 0;
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST') return void res.end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
    served += 1;
    const submissions = served > pages ? [] : Array.from({ length: 100 }, () => ({ destinationId: DESTINATION, submissionId: randomUUID(), caseId: randomUUID() }));
    res.end(JSON.stringify({ totalCount: 1_000_000_000, count: submissions.length, submissions }));
  });
  return { url: await listenLocal(server), server, served: () => served };
}

const DESTINATION = '00000000-0000-4000-8000-000000000000';

function clientOf(url: string): SubmissionApiClient {
  return new SubmissionApiClient({ submissionApiUrl: url, tokenUrl: `${url}/token`, clientId: 'subscriber', clientSecret: new Secret('secret'), destinationId: DESTINATION });
}

/**
 * A Zustelldienst whose event log never ends: every page is full and `totalCount` always lies ahead. It stops
 * (an empty page) only after `pages`, far beyond the bound, and counts what it served.
 */
async function endlessEventLog(pages: number): Promise<{ url: string; server: Server; served: () => number }> {
  let served = 0;
  const token = 'e'.repeat(2000);
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST') return void res.end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
    served += 1;
    const eventLog = served > pages ? [] : Array<string>(100).fill(token);
    res.end(JSON.stringify({ totalCount: 1_000_000_000, count: eventLog.length, eventLog }));
  });
  return { url: await listenLocal(server), server, served: () => served };
}

describe('SubmissionApiClient on a Zustelldienst whose lists never end', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await closeLocal(server);
    server = undefined;
  });

  it('stops an event log that pages on and on at MAX_EVENT_LOG_BYTES (413) instead of holding it all', async () => {
    // 200 pages of 200 KB: 40 MB if read to the end
    const zd = await endlessEventLog(200);
    server = zd.server;
    await expect(clientOf(zd.url).events('case')).rejects.toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE });
    expect(zd.served()).toBeLessThanOrEqual(Math.ceil(MAX_EVENT_LOG_BYTES / (100 * 2000)) + 1);
  });

  it('reads at most MAX_PICKUP_LIST_ENTRIES of a pickup list that pages on and on in one pass', async () => {
    // 300 pages of 100: 30,000 entries if read to the end
    const zd = await endlessPickupList(300);
    server = zd.server;
    let entries = 0;
    for await (const _entry of clientOf(zd.url).readyForPickup()) entries += 1;
    expect(entries).toBe(MAX_PICKUP_LIST_ENTRIES);
    expect(zd.served()).toBeLessThanOrEqual(MAX_PICKUP_LIST_ENTRIES / 100 + 1);
  });
});

/**
 * A Zustelldienst sending an attachment in `chunks` pieces of `pieceBytes`, `gapMs` apart, after a pause of `stallMs`
 * before the last piece (0: none) — a slow link, or one that stops.
 */
async function slowAttachment(chunks: number, gapMs: number, stallMs = 0, pieceBytes = 1024): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.method === 'POST') return void res.setHeader('content-type', 'application/json').end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
    res.setHeader('content-type', 'application/jose');
    let sent = 0;
    const next = (): void => {
      if (res.destroyed) return;
      res.write(Buffer.alloc(pieceBytes, 0x61));
      sent += 1;
      if (sent === chunks) return void res.end();
      setTimeout(next, sent === chunks - 1 ? stallMs || gapMs : gapMs);
    };
    next();
  });
  return { url: await listenLocal(server), server };
}

async function download(client: SubmissionApiClient): Promise<number> {
  let bytes = 0;
  for await (const chunk of await client.attachment(randomUUID(), randomUUID(), 1_000_000)) bytes += (chunk as Buffer).length;
  return bytes;
}

describe('SubmissionApiClient downloading an attachment over a slow link', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await closeLocal(server);
    server = undefined;
  });
  // The timeout and the minimum average rate, scaled down, each far from the paces below (100 ms gaps, ~10 KiB/s
  // steady, ~1.25 KiB/s trickling): a test process held up by a busy machine for a few hundred ms must not turn the
  // steady link into a stall or the trickle into an idle timeout (a 400 ms timeout with 350 ms gaps and 6 KiB/s
  // against 10 KiB/s did, once in eight runs).
  const TIMEOUT_MS = 1000;
  const MIN_BYTES_PER_SECOND = 3 * 1024;
  const clientWithTimeout = (url: string): SubmissionApiClient =>
    new SubmissionApiClient({ submissionApiUrl: url, tokenUrl: `${url}/token`, clientId: 'subscriber', clientSecret: new Secret('secret'), destinationId: DESTINATION }, TIMEOUT_MS, MIN_BYTES_PER_SECOND);

  it('finishes a download that takes far longer than the timeout as long as bytes keep coming', async () => {
    // 30 pieces 100 ms apart: 2.9 s in all, nearly three times the timeout, never 1 s without a byte
    const zd = await slowAttachment(30, 100);
    server = zd.server;
    expect(await download(clientWithTimeout(zd.url))).toBe(30 * 1024);
  });

  it('gives up on a download that stops sending for longer than the timeout', async () => {
    const zd = await slowAttachment(4, 50, 5000);
    server = zd.server;
    await expect(download(clientWithTimeout(zd.url))).rejects.toThrow(new RegExp(`no data for ${TIMEOUT_MS} ms|aborted|timeout`, 'i'));
  });

  it('gives up on a download trickling a piece just before each timeout (below the minimum average rate)', async () => {
    // 256 bytes every 200 ms: never 1 s without a byte, ~1.25 KiB/s; 40 pieces would take 8 s
    const zd = await slowAttachment(40, 200, 0, 256);
    server = zd.server;
    const started = Date.now();
    await expect(download(clientWithTimeout(zd.url))).rejects.toThrow(/bytes\/s on average|aborted|timeout/i);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('reads a submission over a slow link for as long as it keeps the rate, and gives up on a trickle', async () => {
    const submissionId = randomUUID();
    const body = JSON.stringify({ submissionId, caseId: randomUUID(), destinationId: DESTINATION, serviceType: { identifier: 'urn:de:fim:leika:leistung:99010003001006', name: 'x' }, encryptedMetadata: 'a'.repeat(30 * 1024), attachments: [] });
    const slowJson = (pieceBytes: number, gapMs: number) =>
      createServer((req, res) => {
        if (req.method === 'POST') return void res.setHeader('content-type', 'application/json').end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
        res.setHeader('content-type', 'application/json');
        let offset = 0;
        const next = (): void => {
          if (res.destroyed) return;
          res.write(body.slice(offset, offset + pieceBytes));
          offset += pieceBytes;
          if (offset >= body.length) return void res.end();
          setTimeout(next, gapMs);
        };
        next();
      });
    // ~1 KiB every 100 ms: 3 s in all, three times the timeout — no whole-answer deadline cuts it off
    server = slowJson(1024, 100);
    const steady = await clientWithTimeout(await listenLocal(server)).submission(submissionId, 1_000_000);
    expect(steady.encryptedMetadata).toHaveLength(30 * 1024);
    await closeLocal(server);
    server = slowJson(256, 200);
    await expect(clientWithTimeout(await listenLocal(server)).submission(submissionId, 1_000_000)).rejects.toThrow(/bytes\/s on average|aborted|timeout/i);
  });
});

describe('SubmissionApiClient on a Zustelldienst whose pages say more than they carry', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await closeLocal(server);
    server = undefined;
  });

  it('ends the pickup list at a page with no entries, whatever its count and totalCount claim', async () => {
    let served = 0;
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') return void res.end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
      served += 1;
      // count 1 per page, none carried: offset creeps on by one while totalCount lies a billion ahead
      res.end(JSON.stringify({ totalCount: 1_000_000_000, count: 1, offset: served - 1, submissions: [] }));
    });
    const url = await listenLocal(server);
    const entries: unknown[] = [];
    for await (const entry of clientOf(url).readyForPickup()) entries.push(entry);
    expect(entries).toEqual([]);
    expect(served).toBe(1);
  });

  it('pages on by the entries a page carries, not by the count it claims (no entry is skipped)', async () => {
    const all = Array.from({ length: 150 }, () => ({ destinationId: DESTINATION, submissionId: randomUUID(), caseId: randomUUID() }));
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') return void res.end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
      const offset = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('offset'));
      // a page of 50 that claims 100
      const submissions = all.slice(offset, offset + 50);
      res.end(JSON.stringify({ totalCount: all.length, count: submissions.length === 0 ? 0 : 100, offset, submissions }));
    });
    const url = await listenLocal(server);
    const ids: string[] = [];
    for await (const entry of clientOf(url).readyForPickup()) ids.push('submissionId' in entry ? entry.submissionId : 'unreadable');
    expect(ids).toEqual(all.map((s) => s.submissionId));
  });
});

describe('SubmissionApiClient on a Zustelldienst that redirects', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await closeLocal(server);
  });

  /** Another host (an internal address, say) that records every request it gets, with its body. */
  async function elsewhere(): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        seen.push(`${req.method ?? ''} ${req.url ?? ''} ${body}`);
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST') return void res.end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
        res.end(JSON.stringify({ totalCount: 0, count: 0, submissions: [] }));
      });
    });
    servers.push(server);
    return { url: await listenLocal(server), seen };
  }

  it('does not follow the token endpoint redirecting elsewhere (307 would send the client secret along)', async () => {
    const other = await elsewhere();
    const server = createServer((_req, res) => void res.writeHead(307, { location: `${other.url}/token` }).end());
    servers.push(server);
    const url = await listenLocal(server);
    // an answer that is not 2xx, as the operator reads it in the poll's error
    await expect(clientOf(url).readyForPickup().next()).rejects.toMatchObject({ name: 'UpstreamHttpError', status: 307 });
    expect(other.seen).toEqual([]);
  });

  it('does not follow an API call redirecting elsewhere', async () => {
    const other = await elsewhere();
    const server = createServer((req, res) => {
      if (req.method === 'POST') return void res.setHeader('content-type', 'application/json').end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
      res.writeHead(302, { location: `${other.url}/internal` }).end();
    });
    servers.push(server);
    const url = await listenLocal(server);
    for (const call of [() => clientOf(url).readyForPickup().next(), () => clientOf(url).events('case'), () => clientOf(url).attachment(randomUUID(), randomUUID(), 1000)]) {
      await expect(call()).rejects.toMatchObject({ name: 'UpstreamHttpError', status: 302 });
    }
    expect(other.seen).toEqual([]);
  });
});

describe('SubmissionApiClient on a token endpoint that never stops answering', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await closeLocal(server);
    server = undefined;
  });

  it('stops reading a token answer past its bound (413) instead of holding it all until the timeout', async () => {
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      // chunked, no length: `{"access_token":"aaaa…` without end, as fast as the hub reads
      res.write('{"access_token":"');
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const more = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more);
      };
      more();
    });
    const url = await listenLocal(server);
    await expect(clientOf(url).readyForPickup().next()).rejects.toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE });
  }, 10_000);
});

describe('SubmissionApiClient on a Zustelldienst that writes ids in capitals', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await closeLocal(server);
    server = undefined;
  });

  it('reads the destination, submission and case ids of list entries and submissions in lower case (UUIDs in any capitals are the same id)', async () => {
    const destination = '6f0b1c2d-abcd-4000-8000-00000000000e';
    const entry = { destinationId: destination.toUpperCase(), submissionId: randomUUID().toUpperCase(), caseId: randomUUID().toUpperCase() };
    const lower = { destinationId: destination, submissionId: entry.submissionId.toLowerCase(), caseId: entry.caseId.toLowerCase() };
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') return void res.end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
      if (req.url?.startsWith('/v1/submissions?')) return void res.end(JSON.stringify({ totalCount: 1, count: 1, offset: 0, submissions: [entry] }));
      res.end(JSON.stringify({ ...entry, attachments: [], serviceType: { identifier: 'urn:de:fim:leika:leistung:99' } }));
    });
    const url = await listenLocal(server);
    const client = new SubmissionApiClient({ submissionApiUrl: url, tokenUrl: `${url}/token`, clientId: 'subscriber', clientSecret: new Secret('secret'), destinationId: destination });
    const listed = await client.readyForPickup().next();
    expect(listed.value).toMatchObject(lower);
    expect(await client.submission(entry.submissionId, 1_000_000)).toMatchObject(lower);
  });
});

describe('SubmissionApiClient on a pickup list with entries not of the API shape', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await closeLocal(server);
    server = undefined;
  });

  it('reads the entries around them, and names each in its place without its values', async () => {
    const good = [0, 1].map(() => ({ destinationId: DESTINATION, submissionId: randomUUID(), caseId: randomUUID() }));
    const bad = [
      { destinationId: DESTINATION, submissionId: randomUUID() },
      { destinationId: DESTINATION, submissionId: `../${'x'.repeat(5000)}`, caseId: randomUUID() },
      null,
    ];
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') return void res.end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
      const offset = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('offset'));
      // the bad ones on the first page: a page unreadable for them held up the second page as well
      const all = [good[0], ...bad, good[1]];
      res.end(JSON.stringify({ totalCount: all.length, count: 4, offset, submissions: all.slice(offset, offset + 4) }));
    });
    const url = await listenLocal(server);
    const entries: unknown[] = [];
    for await (const entry of clientOf(url).readyForPickup()) entries.push(entry);
    expect(entries).toHaveLength(5);
    expect(entries[0]).toEqual(good[0]);
    expect(entries[4]).toEqual(good[1]);
    for (const entry of entries.slice(1, 4)) expect(entry).toMatchObject({ unreadable: expect.any(String) });
    expect(JSON.stringify(entries)).not.toContain('xxxxx');
  });
});

describe('SubmissionApiClient on a Zustelldienst it cannot reach', () => {
  it('names why in the error (not only "fetch failed"), for the poll error the operator reads', async () => {
    // a port that was free a moment ago: nothing listens there
    const server = createServer();
    const url = await listenLocal(server);
    await closeLocal(server);
    await expect(clientOf(url).readyForPickup().next()).rejects.toMatchObject({ name: 'UpstreamTransportError', message: expect.stringMatching(/^token request: .*ECONNREFUSED/) });
  });
});

/** A Zustelldienst whose answers to `paths` (token, list, submission, event log) are `page`, 200, whatever it holds. */
async function answering(page: { type: string; body: string }, of: (req: IncomingMessage) => boolean): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (of(req)) return void res.writeHead(200, { 'content-type': page.type }).end(page.body);
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST') return void res.end(JSON.stringify({ access_token: 'token', expires_in: 300 }));
    res.end('{}');
  });
  return { url: await listenLocal(server), server };
}

describe('SubmissionApiClient on answers that are not of the Submission API (a proxy in its place)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await closeLocal(server);
    server = undefined;
  });
  const MAINTENANCE = { type: 'application/json', body: JSON.stringify({ status: 'maintenance', contact: 'Max Mustermann' }) };
  const HTML = { type: 'application/json', body: '<html>Wartung – Max Mustermann</html>' };
  const calls: Array<[string, (req: IncomingMessage) => boolean, (client: SubmissionApiClient) => Promise<unknown>]> = [
    ['token request', (req) => req.method === 'POST', (client) => client.readyForPickup().next()],
    ['list submissions', (req) => req.url?.startsWith('/v1/submissions?') === true, (client) => client.readyForPickup().next()],
    ['get submission', (req) => req.url?.startsWith('/v1/submissions/') === true, (client) => client.submission(randomUUID(), 1_000_000)],
    ['get event log', (req) => req.url?.startsWith('/v1/cases/') === true, (client) => client.events(randomUUID())],
  ];

  for (const [what, of, call] of calls) {
    it(`${what}: a maintenance page, JSON or not, is an UpstreamAnswerError (tried again), naming no value of it`, async () => {
      for (const page of [MAINTENANCE, HTML]) {
        const zd = await answering(page, of);
        server = zd.server;
        const error = await call(clientOf(zd.url)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ name: 'UpstreamAnswerError', retryable: true, message: expect.stringMatching(new RegExp(`^${what}: the answer is not of the Submission API`)) });
        expect((error as Error).message).not.toMatch(/Mustermann|maintenance|Wartung/);
        await closeLocal(server);
        server = undefined;
      }
    });
  }

  it('get attachment: a page in another content type than application/jose is an UpstreamAnswerError, not stored as the attachment', async () => {
    const zd = await answering({ type: 'text/html', body: '<html>Wartung</html>' }, (req) => req.url?.includes('/attachments/') === true);
    server = zd.server;
    await expect(download(clientOf(zd.url))).rejects.toMatchObject({ name: 'UpstreamAnswerError', message: 'get attachment: the answer is not of the Submission API (content type text/html instead of application/jose)' });
  });

  it('get submission: the answer for another submission is an UpstreamAnswerError; this one with a field off the API is SubmissionOffApi with its case', async () => {
    const asked = randomUUID();
    const caseId = randomUUID();
    const of = (submissionId: string) => ({ type: 'application/json', body: JSON.stringify({ destinationId: DESTINATION, submissionId, caseId, attachments: [] }) });
    const other = await answering(of(randomUUID()), (req) => req.url?.startsWith('/v1/submissions/') === true);
    server = other.server;
    await expect(clientOf(other.url).submission(asked, 1_000_000)).rejects.toMatchObject({ name: 'UpstreamAnswerError', message: expect.stringContaining('names another submission') });
    await closeLocal(server);
    // the same submission in capitals, without its serviceType: the sender's content, refusable
    const same = await answering(of(asked.toUpperCase()), (req) => req.url?.startsWith('/v1/submissions/') === true);
    server = same.server;
    await expect(clientOf(same.url).submission(asked, 1_000_000)).rejects.toMatchObject({ name: 'SubmissionOffApi', caseId, issues: expect.stringContaining('serviceType') });
  });
});
