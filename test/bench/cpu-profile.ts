/**
 * Sums V8 CPU profiles (`node --cpu-prof`, one file per thread: main and crypto-pool workers) by what
 * the time was spent on, for the P4 split: crypto (RSA private-key operations; AES-GCM and hashing)
 * against the rest of the per-submission work (journal, queues, XML, ZIP, HTTP, logging, GC).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

export const CATEGORIES = ['rsa', 'aes+hash', 'xml', 'pdf', 'zip', 'fs', 'socket writes', 'postgres', 'redis+queue', 'http', 'json+schema', 'logging', 'gc', 'startup', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

const NATIVE_FS = new Set(['writev', 'writeBuffer', 'writeBuffers', 'writeString', 'openFileHandle', 'open', 'close', 'read', 'fsync', 'fdatasync', 'link', 'rename', 'mkdir', 'stat', 'fstat', 'lstat', 'unlink', 'readFileUtf8']);

/** Which part of the work a frame of the main thread belongs to, by its function and source (self time only). */
export function categorise(functionName: string, url: string): Category | 'idle' {
  if (functionName === '(idle)' || functionName === 'atomicsWaitLoop' || functionName === '(program)') return 'idle';
  if (functionName === '(garbage collector)') return 'gc';
  // RSA: privateDecrypt is an anonymous closure in internal/crypto/cipher, sign is signOneShot; piscina's dispatch
  if (url.includes('crypto-task') || url.includes('piscina') || functionName === 'signOneShot' || (functionName === '' && url.endsWith('internal/crypto/cipher'))) return 'rsa';
  if (functionName === 'generateKeyPairSync' || url.includes('jsbn') || url.includes('node-forge') || /^compile|wrapSafe|loadESM|importModuleDynamically/.test(functionName)) return 'startup';
  if (url === '' && NATIVE_FS.has(functionName)) return 'fs';
  if (url.includes('internal/crypto') || url.includes('node:crypto') || url.includes('base64url-decoder') || url.includes('decrypt-jwe') || url.includes('encrypted-blob') || url.includes('hash.js')) return 'aes+hash';
  if (url.startsWith('wasm://') || /libxml2|xmlbuilder2|fast-xml-parser|xoev\/dist|mapping/.test(url)) return 'xml';
  // the application PDF: pdfkit lays out and embeds, fontkit shapes and subsets (restructure decodes font tables)
  if (/pdfkit|fontkit|restructure|unicode-properties|unicode-trie|application-pdf|form-rows|linebreak/.test(url)) return 'pdf';
  if (/yazl|yauzl|zlib|zip-package/.test(url)) return 'zip';
  if (/\/pg\/|pg-protocol|pg-pool|journal\/dist/.test(url)) return 'postgres';
  if (/ioredis|bullmq|queue\/dist|msgpackr/.test(url)) return 'redis+queue';
  if (/fastify|find-my-way|avvio|light-my-request|undici|_http_|internal\/http|node:http|net\.js|node:net|internal\/stream_base/.test(url)) return 'http';
  if (/ajv|zod|canonical-json/.test(url) || functionName === 'parse' || functionName === 'stringify') return 'json+schema';
  if (/pino|sonic-boom/.test(url)) return 'logging';
  return 'other';
}

/**
 * The native write calls (writev, writeBuffer, writeString) serve files and sockets alike; a write whose
 * caller is a stream socket (node:net, stream_base_commons) is network I/O — the kernel's loopback work
 * for PostgreSQL, Redis and HTTP — not file system work.
 */
function socketWrite(parentUrl: string | undefined): boolean {
  return parentUrl !== undefined && /stream_base_commons|node:net/.test(parentUrl);
}

/** Self time per category in seconds over every profile in `dir` (idle excluded), and the largest uncategorised frames. */
export async function summariseProfiles(dir: string): Promise<{ seconds: Record<Category, number>; files: number; topOther: Array<[string, number]> }> {
  const seconds = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const other = new Map<string, number>();
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread; the others are the crypto pool's
    const worker = file.split('.')[4] !== '0';
    const parentUrl = new Map<number, string>();
    for (const n of profile.nodes) for (const child of n.children ?? []) parentUrl.set(child, n.callFrame.url);
    const categoryOf = (n: CpuProfile['nodes'][number]): Category | 'idle' => {
      const category = categorise(n.callFrame.functionName, n.callFrame.url);
      return category === 'fs' && socketWrite(parentUrl.get(n.id)) ? 'socket writes' : category;
    };
    const nodes = new Map(profile.nodes.map((n) => [n.id, { category: worker && !['(idle)', 'atomicsWaitLoop', '(program)'].includes(n.callFrame.functionName) ? ('rsa' as const) : categoryOf(n), frame: `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}` }]));
    profile.samples.forEach((id, i) => {
      const node = nodes.get(id);
      if (node === undefined || node.category === 'idle') return;
      const s = (profile.timeDeltas[i] ?? 0) / 1e6;
      seconds[node.category] += s;
      if (node.category === 'other') other.set(node.frame, (other.get(node.frame) ?? 0) + s);
    });
  }
  const topOther = [...other].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([f, s]) => [f, Math.round(s * 100) / 100] as [string, number]);
  return { seconds, files: files.length, topOther };
}
