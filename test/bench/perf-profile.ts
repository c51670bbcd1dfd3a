/**
 * On-CPU profile of the whole machine with Linux `perf` (`npm run bench -- --perf`), for the P4 split and
 * P1's budget. V8's `--cpu-prof` samples wall time per thread, so a thread waiting for a core (or in a
 * blocking syscall) is counted as busy; perf's cpu-clock samples only what is on a core, kernel work
 * included, and it sees every process: the hub (all its threads), PostgreSQL, Redis and the load generator.
 * The hub runs with `--perf-basic-prof`, so its JIT frames carry their function and file names.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { categorise, type Category } from './cpu-profile.js';

/** Who a sample belongs to. */
export type Party = 'hub' | 'postgres' | 'redis' | 'load generator' | 'other';

/** What the hub's samples were spent on: crypto (P4's numerator), the kernel's share, or a JS/runtime category. */
export type PerfCategory = 'rsa' | 'aes' | 'hash' | 'kernel: network' | 'kernel: files' | 'kernel: other' | 'jit' | 'runtime' | Exclude<Category, 'rsa' | 'aes+hash'>;

export interface PerfSummary {
  /** samples per party (each sample ≈ 1 / frequency CPU-s) */
  samples: Record<Party, number>;
  /** CPU-s per party */
  seconds: Record<Party, number>;
  /** the hub's CPU-s by category */
  hub: Record<string, number>;
  /** the frames standing for the hub's largest uncategorised samples */
  topUncategorised: Array<[string, number]>;
}

/** Samples the whole machine (`perf record -a -g`) until stop() is called. Needs perf and perf_event_paranoid ≤ 2 for root. */
export class PerfRecorder {
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(
    readonly dataFile: string,
    readonly frequency = 499,
  ) {
    this.child = spawn('perf', ['record', '-F', String(frequency), '-a', '-g', '-o', dataFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => resolve(code));
    });
  }

  /** Ends the recording (SIGINT lets perf write its data file) and waits for perf to finish. */
  async stop(): Promise<void> {
    this.child.kill('SIGINT');
    await this.exited;
  }
}

/** Whether `perf` can record here; the bench says so instead of failing late. */
export async function perfAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('perf', ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

const RSA = /^(__)?bn_|^BN_|mulx4x|sqrx8x|sqr8x|mul4x|rsaz|^RSA_|ossl_rsa|_mont|bn_mul|bn_sqr|bn_div|ecp_nistz/i;
const AES = /aes|gcm|ghash|clmul/i;
const HASH = /sha(1|256|512)_block|^SHA(1|256|512)|^md5/i;
const JIT = /v8::internal::(compiler|maglev|baseline|Compiler|Parser|Scanner|PreParser|interpreter::BytecodeGenerator)|Turbofan|Maglev/;
const GC = /v8::internal::(Heap|Scavenge|Scavenger|MarkCompact|Mark|Sweeper|Concurrent|Minor|Evacuat|Compactor|GC|.*Marking|MemoryAllocator|PagedSpace|NewSpace|LocalHeap|IncrementalMarking|HeapObjectVisitor|MainMarkingVisitor)/;
const KERNEL_NET = /tcp|inet|sock|skb|netif|net_rx|__dev_queue|loopback|ip_|unix_|ep_poll|epoll|napi/;
const KERNEL_FILES = /ext4|jbd2|xfs|fsync|vfs_|filemap|iomap|blk_|bio_|page_cache|generic_perform_write|file_|do_sys_open|path_|dentry|inode|link|rename|mkdir|unlink|copy_page|writeback/;

interface Frame {
  sym: string;
  dso: string;
}

/** A JIT frame named by `--perf-basic-prof`: "JS:*name file:///path:line:col" (older V8s: "LazyCompile:*name …"). */
function jsFrame(f: Frame): { functionName: string; url: string } | undefined {
  const m = /^(?:JS|LazyCompile|Function|Script):[*~^+]?(\S*)\s*(\S*)/.exec(f.sym);
  if (!m) return undefined;
  return { functionName: m[1] ?? '', url: (m[2] ?? '').replace(/:\d+:\d+$/, '') };
}

/**
 * The category of one hub sample from its stack (leaf first), and for an uncategorised one the frame that
 * stands for it (the nearest JS function, else the native leaf), so the summary can list the largest.
 */
function classify(frames: readonly Frame[]): { category: PerfCategory; frame?: string } {
  const leaf = frames[0];
  if (!leaf) return { category: 'runtime', frame: '(no stack)' };
  if (leaf.dso.includes('kernel')) {
    const kernelFrames = frames.filter((f) => f.dso.includes('kernel')).map((f) => f.sym).join(' ');
    if (KERNEL_NET.test(kernelFrames)) return { category: 'kernel: network' };
    if (KERNEL_FILES.test(kernelFrames)) return { category: 'kernel: files' };
    // a page fault or scheduler work under crypto code is still that code's cost
    const firstUser = frames.find((f) => !f.dso.includes('kernel'));
    if (firstUser && RSA.test(firstUser.sym)) return { category: 'rsa' };
    return { category: 'kernel: other' };
  }
  if (RSA.test(leaf.sym)) return { category: 'rsa' };
  if (AES.test(leaf.sym) && !jsFrame(leaf)) return { category: 'aes' };
  if (HASH.test(leaf.sym)) return { category: 'hash' };
  if (GC.test(leaf.sym)) return { category: 'gc' };
  if (JIT.test(leaf.sym)) return { category: 'jit' };
  // the nearest JS frame on the stack names the work (a builtin or a native call made for it)
  for (const f of frames) {
    const js = jsFrame(f);
    if (!js) continue;
    const c = categorise(js.functionName, js.url);
    // crypto is decided by the native leaf above; JS around a crypto call is the hub's own work
    if (c === 'idle' || c === 'rsa' || c === 'aes+hash' || c === 'other') return { category: c === 'other' ? 'other' : 'runtime', frame: f.sym.slice(0, 120) };
    return { category: c };
  }
  return { category: 'runtime', frame: leaf.sym.slice(0, 120) };
}

/** Reads `perf script` of a recording and sums it by party and, for the hub, by category. */
export async function summarisePerf(dataFile: string, parties: { hub: readonly number[]; loadGenerator: number }, frequency: number): Promise<PerfSummary> {
  const samples: Record<Party, number> = { hub: 0, postgres: 0, redis: 0, 'load generator': 0, other: 0 };
  const hub = new Map<string, number>();
  const uncategorised = new Map<string, number>();
  const hubPids = new Set(parties.hub);
  const child = spawn('perf', ['script', '-i', dataFile, '-F', 'comm,pid,tid,ip,sym,dso'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  let header: { comm: string; pid: number } | undefined;
  let frames: Frame[] = [];
  const flush = (): void => {
    if (!header) return;
    const party: Party = hubPids.has(header.pid)
      ? 'hub'
      : header.pid === parties.loadGenerator
        ? 'load generator'
        : header.comm.startsWith('postgres')
          ? 'postgres'
          : header.comm.startsWith('redis')
            ? 'redis'
            : 'other';
    samples[party] += 1;
    if (party === 'hub') {
      const { category, frame } = classify(frames);
      hub.set(category, (hub.get(category) ?? 0) + 1);
      if (frame !== undefined) uncategorised.set(frame, (uncategorised.get(frame) ?? 0) + 1);
    }
    header = undefined;
    frames = [];
  };
  for await (const line of lines) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (!line.startsWith('\t') && !line.startsWith(' ')) {
      flush();
      // "comm  pid/tid:" or "comm pid tid" depending on the perf version; comm may contain spaces
      const m = /^(.*?)\s+(\d+)(?:\/|\s+)(\d+)/.exec(line);
      if (m) header = { comm: (m[1] ?? '').trim(), pid: Number(m[2]) };
      continue;
    }
    const m = /^\s*[0-9a-f]+\s+(.*)\s+\(([^)]*)\)\s*$/.exec(line);
    if (m) frames.push({ sym: m[1] ?? '', dso: m[2] ?? '' });
  }
  flush();
  const toSeconds = (n: number): number => n / frequency;
  return {
    samples,
    seconds: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, toSeconds(v)])) as Record<Party, number>,
    hub: Object.fromEntries([...hub].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, toSeconds(v)])),
    topUncategorised: [...uncategorised].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => [k, toSeconds(v)]),
  };
}
