import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as NodeCrypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { XtaReaderConfig } from '@weiche/config';
import { XTA_ACTIONS } from '@weiche/xta';
import { Routing } from '../../routing.js';
import { lookupService } from './management-port.js';
import { loadReaders, type LoadedReader } from './reader-keystores.js';

// Counts certificate parses (the real class underneath): lookupService must not parse the reader's
// certificate per entry, which made a request of 10,000 entries take seconds.
const parses = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof NodeCrypto>();
  class CountingX509Certificate extends actual.X509Certificate {
    constructor(buffer: ConstructorParameters<typeof actual.X509Certificate>[0]) {
      super(buffer);
      parses.count++;
    }
  }
  return { ...actual, X509Certificate: CountingX509Certificate };
});

const READER = 'ags:05515000';
const SERVICE = 'urn:xoev-de:xbau:standard:xbau';

describe('lookupService', () => {
  let dir: string;
  let readers: Map<string, LoadedReader>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xta-lookup-'));
    readers = await loadReaders([XtaReaderConfig.parse({ identifier: READER, tenant: 'musterstadt', keystore: { pkcs12File: join(dir, 'r.p12'), passwordFile: join(dir, 'r.password') }, generate: true })]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hands out the reader certificate for every entry without parsing it again', () => {
    const routing = new Routing([{ id: 'r1', tenant: 'musterstadt', service: SERVICE, target: 'xdomea-3.1.0:0401', adapter: 'dms' }]);
    const lookups = Array.from({ length: 200 }, () => ({ reader: { type: 'xoev', value: READER }, serviceType: SERVICE }));
    parses.count = 0;
    const request = { soapVersion: '1.2', action: XTA_ACTIONS.lookupService, header: {}, mtom: false, operation: 'lookupService', payload: { lookups } } as const;
    const response = lookupService({ readers, routing }, request);
    expect(parses.count).toBe(0);
    const body = response.body.toString();
    const der = readers.get(READER)?.certificateDer.toString('base64') ?? 'missing';
    expect(body.split(`<xta:Resource>${der}</xta:Resource>`).length - 1).toBe(200);
  });
});
