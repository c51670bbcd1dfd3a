/**
 * The reference receiver of the intake benchmark (`--reference`): what the load generator can reach on this
 * machine against a receiver that does **only the protocol's crypto** — the "deliberately naive
 * receiver", made to use every core. It answers the calls the load generator makes (token, destination key,
 * create, attachment uploads, submit, event log with ETags), keeps everything in memory (nothing durable, no
 * queue, no database, no mapping, no delivery), and per submission does exactly the floor's work: 4 RSA-OAEP-256
 * unwraps with their AES-256-GCM decryptions (metadata, data, 2 attachments), a SHA-512 check of each
 * attachment against the metadata, and 3 PS512-signed SETs (create-, submit-, accept-submission). The private-key
 * work runs on one worker thread per core, the HTTP on the main thread.
 *
 * It is the ceiling for any receiver with this load generator on the same cores, measured in the same run as the
 * hub; it is not a FIT-Connect implementation (no authentication, no checks beyond the hashes, no limits).
 * Run as its own process: `node reference-receiver.js <port>`; it prints "reference receiver listening" when ready.
 */
import { createDecipheriv, createHash, createPrivateKey, generateKeyPairSync, privateDecrypt, constants, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

interface Job {
  readonly id: number;
  /** a compact JWE to open, or a SET payload to sign */
  readonly kind: 'open' | 'sign';
  readonly input: string;
}

const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;

/** Opens an RSA-OAEP-256 / A256GCM compact JWE (what the load generator sends). */
function openJwe(compact: string, key: KeyObject): Buffer {
  const [header = '', wrapped = '', iv = '', ciphertext = '', tag = ''] = compact.split('.');
  const cek = privateDecrypt({ key, ...OAEP }, Buffer.from(wrapped, 'base64url'));
  const decipher = createDecipheriv('aes-256-gcm', cek, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(header, 'ascii'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}

/** A PS512 JWS over a SET payload (RFC 8417 header). */
function signSet(payload: string, key: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify({ typ: 'secevent+jwt', alg: 'PS512', kid: 'sig' })).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  const signature = sign('sha512', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 });
  return `${input}.${signature.toString('base64url')}`;
}

function runWorker(): void {
  const { encryptionPem, signingPem } = workerData as { encryptionPem: string; signingPem: string };
  const encryption = createPrivateKey(encryptionPem);
  const signing = createPrivateKey(signingPem);
  parentPort?.on('message', (job: Job) => {
    try {
      const result = job.kind === 'open' ? openJwe(job.input, encryption) : Buffer.from(signSet(job.input, signing));
      parentPort?.postMessage({ id: job.id, result }, [result.buffer as ArrayBuffer]);
    } catch (error) {
      parentPort?.postMessage({ id: job.id, error: (error as Error).message });
    }
  });
}

/** One worker thread per core; a job goes to the thread with the fewest waiting. */
class CryptoThreads {
  private readonly workers: Array<{ worker: Worker; pending: number }>;
  private readonly waiting = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void; slot: { pending: number } }>();
  private next = 0;

  constructor(count: number, keys: { encryptionPem: string; signingPem: string }) {
    this.workers = Array.from({ length: count }, () => {
      const slot = { worker: new Worker(new URL(import.meta.url), { workerData: keys }), pending: 0 };
      slot.worker.on('message', (m: { id: number; result?: Uint8Array; error?: string }) => {
        const entry = this.waiting.get(m.id);
        if (!entry) return;
        this.waiting.delete(m.id);
        entry.slot.pending--;
        if (m.error !== undefined) entry.reject(new Error(m.error));
        else entry.resolve(Buffer.from(m.result!));
      });
      slot.worker.unref();
      return slot;
    });
  }

  run(kind: Job['kind'], input: string): Promise<Buffer> {
    const slot = this.workers.reduce((a, b) => (b.pending < a.pending ? b : a));
    slot.pending++;
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, slot });
      slot.worker.postMessage({ id, kind, input } satisfies Job);
    });
  }
}

interface Submission {
  readonly caseId: string;
  readonly attachments: Map<string, string>;
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(response: ServerResponse, status: number, value?: unknown, headers: Record<string, string> = {}): void {
  const text = value === undefined ? '' : JSON.stringify(value);
  response.writeHead(status, { ...(value === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
  response.end(text);
}

function runServer(port: number): void {
  const encryption = generateKeyPairSync('rsa', { modulusLength: 4096 });
  const signing = generateKeyPairSync('rsa', { modulusLength: 4096 });
  const threads = new CryptoThreads(availableParallelism(), {
    encryptionPem: encryption.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    signingPem: signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  const encryptionJwk = { ...encryption.publicKey.export({ format: 'jwk' }), kid: 'enc', alg: 'RSA-OAEP-256', use: 'enc', key_ops: ['wrapKey'] };
  const submissions = new Map<string, Submission>();
  const eventLogs = new Map<string, string[]>();
  const event = async (submissionId: string, caseId: string, name: string, detail: Record<string, unknown> = {}): Promise<void> => {
    const payload = JSON.stringify({ iss: 'reference', iat: Math.floor(Date.now() / 1000), jti: randomUUID(), sub: `submission:${submissionId}`, txn: `case:${caseId}`, events: { [`https://schema.fitko.de/fit-connect/events/${name}`]: detail } });
    const token = (await threads.run('sign', payload)).toString('utf8');
    eventLogs.get(caseId)?.push(token);
  };
  const receive = async (submissionId: string, submission: Submission, submit: { encryptedMetadata: string; encryptedData?: string }): Promise<void> => {
    await event(submissionId, submission.caseId, 'submit-submission');
    const ids = [...submission.attachments.keys()];
    const jwes = [submit.encryptedMetadata, ...(submit.encryptedData ? [submit.encryptedData] : []), ...submission.attachments.values()];
    // one unwrap per part, all parts at once: the threads share them out
    const [metadata, ...contents] = await Promise.all(jwes.map((jwe) => threads.run('open', jwe)));
    const structure = (JSON.parse(metadata!.toString('utf8')) as { contentStructure: { data?: { hash: { content: string } }; attachments: Array<{ attachmentId: string; hash: { content: string } }> } }).contentStructure;
    const expected = [...(submit.encryptedData ? [structure.data?.hash.content] : []), ...ids.map((id) => structure.attachments.find((a) => a.attachmentId === id)?.hash.content)];
    const ok = contents.every((plain, i) => expected[i] === createHash('sha512').update(plain).digest('hex'));
    const tag = (jwe: string): string => jwe.slice(jwe.lastIndexOf('.') + 1);
    const authenticationTags = { metadata: tag(submit.encryptedMetadata), ...(submit.encryptedData ? { data: tag(submit.encryptedData) } : {}), attachments: Object.fromEntries([...submission.attachments].map(([id, jwe]) => [id, tag(jwe)])) };
    await event(submissionId, submission.caseId, ok ? 'accept-submission' : 'reject-submission', ok ? { authenticationTags } : { problems: [{ title: 'hash mismatch' }] });
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const segments = path.split('/').filter(Boolean);
    void (async () => {
      if (request.method === 'POST' && path === '/token') {
        await body(request);
        return reply(response, 200, { access_token: 'reference', token_type: 'Bearer', expires_in: 3600 });
      }
      if (request.method === 'GET' && segments[0] === 'v1' && segments[1] === 'destinations') {
        return reply(response, 200, segments[3] === 'keys' ? encryptionJwk : { destinationId: segments[2], encryptionKid: 'enc' });
      }
      if (request.method === 'POST' && path === '/v1/submissions') {
        const create = JSON.parse(await body(request)) as { announcedAttachments: string[] };
        const submissionId = randomUUID();
        const caseId = randomUUID();
        submissions.set(submissionId, { caseId, attachments: new Map(create.announcedAttachments.map((id) => [id, ''])) });
        eventLogs.set(caseId, []);
        await event(submissionId, caseId, 'create-submission');
        return reply(response, 201, { submissionId, caseId });
      }
      const submission = segments[1] === 'submissions' ? submissions.get(segments[2] ?? '') : undefined;
      if (request.method === 'PUT' && submission && segments[3] === 'attachments') {
        submission.attachments.set(segments[4] ?? '', await body(request));
        return reply(response, 204);
      }
      if (request.method === 'PUT' && submission && segments.length === 3) {
        const submit = JSON.parse(await body(request)) as { encryptedMetadata: string; encryptedData?: string };
        reply(response, 202, { submissionId: segments[2], caseId: submission.caseId });
        return receive(segments[2]!, submission, submit);
      }
      const log = segments[1] === 'cases' && segments[3] === 'events' ? eventLogs.get(segments[2] ?? '') : undefined;
      if (request.method === 'GET' && log) {
        const etag = `"${log.length}"`;
        if (request.headers['if-none-match'] === etag) return reply(response, 304, undefined, { etag });
        return reply(response, 200, { eventLog: log }, { etag });
      }
      await body(request);
      return reply(response, 404, { title: 'not found' });
    })().catch((error: unknown) => {
      if (!response.headersSent) reply(response, 500, { title: (error as Error).message });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => console.log('reference receiver listening'));
  process.on('SIGTERM', () => process.exit(0));
}

if (isMainThread) runServer(Number(process.argv[2]));
else runWorker();
