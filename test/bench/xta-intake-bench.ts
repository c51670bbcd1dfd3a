/**
 * XTA intake benchmark (not a test): N OSCI-encrypted XBau messages (+ one 100 KB PDF) sent with
 * sendMessage by concurrent authors to an in-process hub (real Redis, PostgreSQL, HTTP), each routed to
 * the DMS folder (xdomea 0401) and the Fachverfahren's message box (XBau). Reports messages/s and
 * received → delivered latency beside the RSA floor measured in the same run.
 *   npx tsc -b test && node test/dist/bench/xta-intake-bench.js [--n 100] [--senders 8]
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DATABASE_URL, REPO_ROOT, tempDir, waitFor } from '../support/env.js';
import { startInProcessHub } from '../support/hub-in-process.js';
import { writeXtaTestConfig } from '../support/xta-config.js';
import { contentContainer, messageId, XtaTestClient } from '../support/xta-sender.js';
import { measureCryptoFloor } from './crypto-floor.js';
import { auditTimes } from './journal-figures.js';
import { percentile, round } from './stats.js';

// Counted in services/hub/src: xta/open-xta-submission.ts unwraps the container key once
// (decryptOsciContent, RSA-OAEP-256); XTA senders get no SETs, so nothing is signed per message.
const RSA_UNWRAPS_PER_MESSAGE = 1;

const { values } = parseArgs({ options: { n: { type: 'string' }, senders: { type: 'string' } } });
const n = Number(values.n ?? process.env.BENCH_N ?? 100);
const senders = Number(values.senders ?? 8);

const floor = measureCryptoFloor({ durationMs: 3000, attachments: 0 });
const floorPerSec = floor.decryptOpsPerSec / RSA_UNWRAPS_PER_MESSAGE;

const dir = await tempDir('xta-bench');
const { cfg, parties } = await writeXtaTestConfig(dir);
const hub = await startInProcessHub(cfg);
const author = new XtaTestClient(hub.baseUrl, parties.author.token);
const readerCert = (await author.readerCertificate(parties.reader)) ?? '';
const xbau = await readFile(join(REPO_ROOT, 'packages/mappings/xbau-passthrough/samples/einfamilienhaus.input.xml'));
const pdf = randomBytes(100 * 1024);
const container = contentContainer({ data: xbau, contentType: 'application/xml', filename: 'antrag.xml' }, [
  { data: pdf, contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000002_Bauantrag.pdf', id: 'att-form' },
  { data: Buffer.from('%PDF-1.7 Lageplan'), contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000003_Lageplan_Größe_Straße.pdf', id: 'att-lageplan' },
  { data: Buffer.from('JPEG'), contentType: 'image/jpeg', filename: '00000000-0000-4000-8000-000000000004_Ansicht Süd.jpg', id: 'att-statik' },
]);

async function sendAll(count: number): Promise<{ ids: string[]; sendMs: number[] }> {
  const ids: string[] = [];
  const sendMs: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < count) {
        next += 1;
        const id = messageId();
        const started = performance.now();
        const reply = await author.send({ meta: { author: parties.author.identifier, reader: parties.reader, messageId: id }, plaintext: container, certificatePem: readerCert, mtom: next % 2 === 0 });
        sendMs.push(performance.now() - started);
        if (reply.fault) throw new Error(`sendMessage fault ${reply.fault}: ${reply.text.slice(0, 300)}`);
        ids.push(id);
      }
    }),
  );
  return { ids, sendMs };
}

async function submissionIds(messageIds: readonly string[]): Promise<string[]> {
  const rows = await Promise.all(messageIds.map((id) => hub.deps.journal.findByChannelRef('xta', id)));
  return rows.flatMap((r) => (r ? [r.submissionId] : []));
}

async function allDelivered(ids: readonly string[]): Promise<true | undefined> {
  const rows = await Promise.all(ids.map((id) => hub.deps.journal.getSubmission(id)));
  if (rows.some((r) => r?.state === 'REJECTED' || r?.state === 'FAILED')) throw new Error('a message was rejected or failed');
  return rows.every((r) => r?.state === 'DELIVERED') ? true : undefined;
}

try {
  const warm = await sendAll(5);
  await waitFor('warm-up delivered', async () => allDelivered(await submissionIds(warm.ids)), 120_000, 200);
  const t0 = performance.now();
  const run = await sendAll(n);
  const ids = await submissionIds(run.ids);
  await waitFor('all delivered', () => allDelivered(ids), 600_000, 200);
  const seconds = (performance.now() - t0) / 1000;
  const client = new pg.Client({ connectionString: DATABASE_URL() });
  await client.connect();
  const latencies = (await auditTimes(client, cfg.schema, ids)).map((t) => t.deliveredAt.getTime() - t.receivedAt.getTime());
  await client.end();
  const result = {
    n,
    senders,
    cpus: cpus().length,
    node: process.version,
    messagesPerSec: round(n / seconds, 2),
    rsaUnwrapsPerSec: round(floor.decryptOpsPerSec, 1),
    rsaUnwrapsPerMessage: RSA_UNWRAPS_PER_MESSAGE,
    floorMessagesPerSecOneCore: round(floorPerSec, 1),
    achievedOverFloor: round(n / seconds / floorPerSec, 3),
    receivedToDeliveredMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
    sendMessageMs: { p50: round(percentile(run.sendMs, 50)), p99: round(percentile(run.sendMs, 99)) },
  };
  console.log(JSON.stringify(result, null, 2));
  const out = join(REPO_ROOT, 'test', 'bench', 'results');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, `xta-intake-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2));
} finally {
  await hub.stop();
}
process.exit(0);
