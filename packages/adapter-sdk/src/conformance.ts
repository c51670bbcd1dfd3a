import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapter, AdapterFactory, AdapterLogger, AdapterServices, DeliveryPackage, DeliveryReceipt } from './contract.js';
import { PermanentDeliveryError, TransientDeliveryError, type DeliveryErrorKind } from './errors.js';

/** One delivery as the far side holds it (a file in a folder, a request an HTTP server stored, …). */
export interface DeliveredItem {
  /** The package name the far side stored it under (`pkg.name`). */
  readonly name: string;
  /** Bytes the far side holds for it; a half-written item shows up as a smaller size. */
  readonly size: number;
  /** Hex SHA-256 of the stored bytes, when the far side can tell cheaply (checked when present). */
  readonly sha256?: string | undefined;
}

/**
 * The far side of an adapter under test, written once per adapter kind.
 *
 * A folder: `config()` returns the path; `listDelivered()` reads the visible files;
 * `breakFarSide('transient')` makes the path vanish (an unmounted share), `'permanent'` puts a plain file
 * in its place. An HTTP server: it records every stored request; `breakFarSide` switches it to answer
 * 503 / 403. An SFTP server: list the upload folder; stop sshd (transient) or revoke the user's write
 * permission (permanent). Every test uses fresh names and keys, so one far side serves the whole suite.
 */
export interface AdapterFixtures<C> {
  /** Starts the far side (server, folder); called once before the suite. */
  setup?(): Promise<void>;
  /** Stops the far side and removes what `setup()` made; called once after the suite. */
  teardown?(): Promise<void>;
  /** Config of one adapter instance that delivers to the far side; it must pass `factory.configSchema`. */
  config(): C | Promise<C>;
  /** What the hub lends the adapter kind (e.g. the message box), for kinds that need services. */
  services?(): AdapterServices;
  /** Every delivery that arrived on the far side so far (a repeat that was recognised does not count). */
  countDeliveries(): Promise<number>;
  /** What the far side holds now, complete or not. */
  listDelivered(): Promise<readonly DeliveredItem[]>;
  /** Makes the far side fail so that the adapter must classify it as this kind, until `restore()`. */
  breakFarSide(kind: DeliveryErrorKind): Promise<void>;
  /** Undoes `breakFarSide()`; a no-op when nothing is broken. */
  restore(): Promise<void>;
}

/** Bounds of the suite; the defaults are what the issue asks of every adapter. */
export interface ConformanceOptions {
  /** Size of the large package (default 200 MiB; the issue asks for at least 200 MB). */
  readonly largePackageBytes?: number;
  /** Allowed growth of live memory (heap + buffers after GC) while the large package is delivered (default 64 MiB). */
  readonly memoryBoundBytes?: number;
  /** An aborted delivery must reject within this many ms of the abort (default 5000). */
  readonly abortBoundMs?: number;
  /** Timeout of the large-package test (default 300 000 ms). */
  readonly largeTimeoutMs?: number;
}

const MiB = 1024 * 1024;
const CHUNK = 256 * 1024;

const silentLog: AdapterLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface GeneratedOptions {
  /** Stop producing bytes after this offset (the stream then hangs until destroyed) … */
  readonly stallAt?: number;
  /** … on these opens (1-based); all opens when omitted. */
  readonly stallOnOpen?: (openCount: number) => boolean;
  readonly onStall?: () => void;
  /** Called after each chunk is produced, with the bytes produced by this stream so far. */
  readonly onChunk?: (produced: number) => void;
}

/** A package whose bytes are generated chunk by chunk (never held in memory as a whole). */
export interface GeneratedPackage extends DeliveryPackage {
  /** Streams handed out by `open()` so far, to check that an adapter closes them. */
  readonly opened: readonly Readable[];
}

/** A package of the given bytes, as the hub hands one to `deliver` (for adapter tests with small, known content). */
export function bufferPackage(name: string, content: Buffer, ids: { submissionId?: string; tenantId?: string } = {}): DeliveryPackage {
  return {
    name,
    mimeType: 'application/zip',
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    submissionId: ids.submissionId ?? 's-1',
    tenantId: ids.tenantId ?? 'demo',
    open: () => Promise.resolve(Readable.from([content])),
  };
}

/** Builds a generated, deterministic package of `size` bytes for adapter tests (also used by the suite). */
export function generatedPackage(name: string, size: number, options: GeneratedOptions = {}): GeneratedPackage {
  const seed = randomBytes(CHUNK);
  const chunkAt = (index: number, length: number): Buffer => {
    // a fresh buffer per chunk: an adapter may hold a chunk while the next one is produced
    const chunk = Buffer.from(seed.subarray(0, length));
    chunk.writeUInt32BE(index >>> 0, 0);
    return chunk;
  };
  const hash = createHash('sha256');
  for (let offset = 0, index = 0; offset < size; offset += CHUNK, index++) {
    hash.update(chunkAt(index, Math.min(CHUNK, size - offset)));
  }
  const opened: Readable[] = [];
  return {
    name,
    mimeType: 'application/zip',
    size,
    sha256: hash.digest('hex'),
    submissionId: `conformance-${randomUUID()}`,
    tenantId: 'conformance',
    opened,
    open: () => {
      const openCount = opened.length + 1;
      const stalls = options.stallAt !== undefined && (options.stallOnOpen?.(openCount) ?? true);
      let offset = 0;
      let index = 0;
      let stalled = false;
      const stream = new Readable({
        highWaterMark: CHUNK,
        read() {
          if (stalls && offset >= (options.stallAt ?? 0)) {
            if (!stalled) {
              stalled = true;
              options.onStall?.();
            }
            return; // hangs: no more data, no end, until the adapter destroys it
          }
          if (offset >= size) {
            this.push(null);
            return;
          }
          const length = Math.min(CHUNK, size - offset);
          this.push(chunkAt(index++, length));
          offset += length;
          options.onChunk?.(offset);
        },
      });
      opened.push(stream);
      return Promise.resolve(stream);
    },
  };
}

// Live memory is what an adapter holds on to; RSS also keeps freed pages, and unforced GC lets
// garbage pile up, so the suite forces a GC before each sample (V8 flag set at run time).
function gcFunction(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

function liveBytes(gc: (() => void) | undefined): number {
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Settles with the rejection of `promise`, or fails the test when it does not settle within `ms`. */
async function rejectionWithin(promise: Promise<unknown>, ms: number, what: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: deliver() did not settle within ${ms} ms of the abort`)), ms);
  });
  try {
    return await Promise.race([rejectionOf(promise), late]);
  } finally {
    clearTimeout(timer);
  }
}

function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const started = Date.now();
  return new Promise((resolve) => {
    const tick = (): void => {
      if (check()) resolve(true);
      else if (Date.now() - started > timeoutMs) resolve(false);
      else setTimeout(tick, 10);
    };
    tick();
  });
}

/** Declares a vitest `describe` block with the tests every adapter must pass (idempotency, abort, errors, large package, health). */
export function runAdapterConformance<C>(
  factory: AdapterFactory<C>,
  fixtures: AdapterFixtures<C>,
  options: ConformanceOptions = {},
): void {
  const largeBytes = options.largePackageBytes ?? 200 * MiB;
  const memoryBound = options.memoryBoundBytes ?? 64 * MiB;
  const abortBound = options.abortBoundMs ?? 5000;
  const run = randomUUID().slice(0, 8);
  let serial = 0;
  const fresh = (what: string): { name: string; key: string } => {
    serial++;
    return { name: `conformance-${run}-${serial}-${what}.zip`, key: `conformance-${run}-${serial}:route-${what}` };
  };

  describe(`adapter conformance: ${factory.kind}`, () => {
    let adapter: Adapter | undefined;
    const instance = (): Adapter => {
      if (!adapter) throw new Error('adapter not created (setup failed)');
      return adapter;
    };
    const deliver = (pkg: DeliveryPackage, key: string, signal = new AbortController().signal): Promise<DeliveryReceipt> =>
      instance().deliver(pkg, { idempotencyKey: key, signal, log: silentLog });
    const namesDelivered = async (): Promise<string[]> => (await fixtures.listDelivered()).map((item) => item.name);

    beforeAll(async () => {
      await fixtures.setup?.();
      const config = factory.configSchema.parse(await fixtures.config());
      adapter = factory.create({ instanceId: `conformance-${run}`, config, ...(fixtures.services ? { services: fixtures.services() } : {}) });
      await adapter.start?.();
    });

    afterAll(async () => {
      await fixtures.restore();
      await adapter?.stop?.();
      await fixtures.teardown?.();
    });

    it('names its kind and accepts the fixture config through its zod schema', () => {
      expect(instance().kind).toBe(factory.kind);
      expect(instance().instanceId).toBe(`conformance-${run}`);
    });

    it('reports healthy while the far side works', async () => {
      const health = await instance().health();
      expect(health.ok, health.detail).toBe(true);
    });

    it('delivers a package completely and returns a receipt', async () => {
      const { name, key } = fresh('plain');
      const pkg = generatedPackage(name, 3 * MiB + 17);
      const before = await fixtures.countDeliveries();
      const receipt = await deliver(pkg, key);
      expect(typeof receipt).toBe('object');
      expect(await fixtures.countDeliveries()).toBe(before + 1);
      const item = (await fixtures.listDelivered()).find((d) => d.name === name);
      expect(item?.size).toBe(pkg.size);
      if (item?.sha256 !== undefined) expect(item.sha256).toBe(pkg.sha256);
    });

    it('never creates two deliveries for the same idempotency key', async () => {
      const first = fresh('idem-a');
      const other = fresh('idem-b');
      const pkg = generatedPackage(first.name, 64 * 1024);
      const before = await fixtures.countDeliveries();
      await deliver(pkg, first.key);
      await deliver(pkg, first.key);
      // a retry may come with a rebuilt package under another name: the key decides, not the name
      await deliver(generatedPackage(`${first.name}.again.zip`, 64 * 1024), first.key);
      expect(await fixtures.countDeliveries()).toBe(before + 1);
      // a different key is a different delivery (also proves the fixture counts)
      await deliver(generatedPackage(other.name, 64 * 1024), other.key);
      expect(await fixtures.countDeliveries()).toBe(before + 2);
      const names = await namesDelivered();
      expect(names.filter((n) => n === first.name)).toHaveLength(1);
      expect(names).not.toContain(`${first.name}.again.zip`);
      expect(names).toContain(other.name);
    });

    it('rejects an already aborted delivery as transient and delivers nothing', async () => {
      const { name, key } = fresh('pre-aborted');
      const controller = new AbortController();
      controller.abort();
      const before = await fixtures.countDeliveries();
      const error = await rejectionOf(deliver(generatedPackage(name, MiB), key, controller.signal));
      expect(error).toBeInstanceOf(TransientDeliveryError);
      expect(await fixtures.countDeliveries()).toBe(before);
      expect(await namesDelivered()).not.toContain(name);
    });

    it('stops within the bound when aborted mid-stream, closes the package stream, leaves nothing half-delivered', async () => {
      const { name, key } = fresh('aborted');
      const controller = new AbortController();
      let abortedAt = 0;
      const pkg = generatedPackage(name, 8 * MiB, {
        stallAt: MiB,
        onStall: () => {
          abortedAt = Date.now();
          controller.abort(new Error('conformance abort'));
        },
      });
      const before = await fixtures.countDeliveries();
      let settled = false;
      const delivery = deliver(pkg, key, controller.signal);
      delivery.then(() => (settled = true), () => (settled = true));
      await until(() => abortedAt > 0 || settled, 30_000);
      const error = await rejectionWithin(delivery, abortBound, 'mid-stream abort');
      expect(abortedAt).toBeGreaterThan(0);
      expect(Date.now() - abortedAt).toBeLessThan(abortBound);
      expect(error).toBeInstanceOf(TransientDeliveryError);
      expect(await until(() => pkg.opened.every((s) => s.destroyed), abortBound), 'package stream left open').toBe(true);
      expect(await fixtures.countDeliveries()).toBe(before);
      expect(await namesDelivered()).not.toContain(name);
      // the retry with the same key delivers once and completely
      const retry = generatedPackage(name, 2 * MiB);
      await deliver(retry, key);
      expect(await fixtures.countDeliveries()).toBe(before + 1);
      const items = (await fixtures.listDelivered()).filter((d) => d.name === name);
      expect(items.map((d) => d.size)).toEqual([retry.size]);
    });

    it('when aborted on a second read of the package, holds the whole package or none of it', async () => {
      const { name, key } = fresh('aborted-late');
      const controller = new AbortController();
      // adapters that read twice (hash first, then send) are stopped while sending
      const pkg = generatedPackage(name, 4 * MiB, {
        stallAt: 2 * MiB,
        stallOnOpen: (n) => n >= 2,
        onStall: () => controller.abort(new Error('conformance abort')),
      });
      let settled = false;
      const delivery = deliver(pkg, key, controller.signal);
      delivery.then(() => (settled = true), () => (settled = true));
      await until(() => controller.signal.aborted || settled, 30_000);
      const error = await rejectionWithin(delivery, abortBound, 'late abort');
      const items = (await fixtures.listDelivered()).filter((d) => d.name === name);
      if (error === undefined) {
        expect(items.map((d) => d.size)).toEqual([pkg.size]);
      } else {
        expect(error).toBeInstanceOf(TransientDeliveryError);
        expect(items).toEqual([]);
      }
      expect(await until(() => pkg.opened.every((s) => s.destroyed || s.readableEnded), abortBound)).toBe(true);
    });

    for (const kind of ['transient', 'permanent'] as const) {
      const expected = kind === 'transient' ? TransientDeliveryError : PermanentDeliveryError;
      it(`classifies a ${kind} far-side failure as ${expected.name}, reports unhealthy, recovers after restore`, async () => {
        const { name, key } = fresh(`broken-${kind}`);
        const pkg = generatedPackage(name, 128 * 1024);
        const before = await fixtures.countDeliveries();
        await fixtures.breakFarSide(kind);
        try {
          const error = await rejectionOf(deliver(pkg, key));
          expect(error).toBeInstanceOf(expected);
          expect((error as Error).message.length, 'a reason the operator can read').toBeGreaterThan(0);
          expect((await instance().health()).ok).toBe(false);
        } finally {
          await fixtures.restore();
        }
        expect(await fixtures.countDeliveries()).toBe(before);
        expect(await namesDelivered()).not.toContain(name);
        const health = await instance().health();
        expect(health.ok, health.detail).toBe(true);
        await deliver(pkg, key);
        expect(await fixtures.countDeliveries()).toBe(before + 1);
      });
    }

    it(
      `delivers a ${Math.round(largeBytes / MiB)} MiB package streamed, with live memory growth below ${Math.round(memoryBound / MiB)} MiB`,
      async () => {
        const { name, key } = fresh('large');
        const gc = gcFunction();
        let peak = 0;
        let rssPeak = 0;
        const sample = (): void => {
          peak = Math.max(peak, liveBytes(gc));
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        };
        // Sampled as bytes are produced (every 8 MiB), not only on a timer: an adapter that reads the
        // stream in a tight loop can starve timers for the whole transfer.
        const pkg = generatedPackage(name, largeBytes, { onChunk: (produced) => produced % (8 * MiB) === 0 && sample() });
        const baseline = liveBytes(gc);
        const rssBaseline = process.memoryUsage().rss;
        peak = baseline;
        rssPeak = rssBaseline;
        const sampler = setInterval(sample, 100);
        try {
          await deliver(pkg, key);
        } finally {
          clearInterval(sampler);
        }
        const growth = peak - baseline;
        const detail = `live growth ${(growth / MiB).toFixed(1)} MiB, RSS growth ${((rssPeak - rssBaseline) / MiB).toFixed(1)} MiB`;
        expect(growth, detail).toBeLessThan(memoryBound);
        const item = (await fixtures.listDelivered()).find((d) => d.name === name);
        expect(item?.size).toBe(largeBytes);
        if (item?.sha256 !== undefined) expect(item.sha256).toBe(pkg.sha256);
      },
      options.largeTimeoutMs ?? 300_000,
    );
  });
}
