import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAdapterConformance, type DeliveredItem } from '@weiche/adapter-sdk/conformance';
import { xtaMsgBoxAdapter } from '@weiche/adapter-xta-msgbox';
import { FsBlobStore, getDecrypted, TenantKeyring } from '@weiche/blobstore';
import { XtaConfig } from '@weiche/config';
import { EvidenceKey, EvidenceKeyring, generateEvidenceKeyPem } from '@weiche/crypto';
import { bindAuditKeys, createPool, Journal, migrate, XtaStore } from '@weiche/journal';
import { Routing } from '../../routing.js';
import type { XtaIdentity } from './identities.js';
import { HubMessageBox } from './message-box.js';

// The xta-msgbox adapter against the hub's real message box: PostgreSQL (its own schema), the blob store
// and tenant keyring on disk. The far side breaks like a real one: the blob store's folder replaced by a
// file (storage gone: transient), the recipient identity removed from the configuration (permanent).
const IDENTITY = 'dvdv:fv-conformance';
const schema = `t_msgbox_${randomBytes(5).toString('hex')}`;
const pool = createPool(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const identities: XtaIdentity[] = [];
let root = '';
let blobs: FsBlobStore;
let keyring: TenantKeyring;
let store: XtaStore;
let box: HubMessageBox;

const blobRoot = (): string => join(root, 'blobs');

runAdapterConformance(xtaMsgBoxAdapter, {
  setup: async () => {
    root = await mkdtemp(join(tmpdir(), 'msgbox-conformance-'));
    await migrate(pool, schema);
    // the box audits what it offers: the chain needs the hub's evidence keys, as createHubDeps binds them
    bindAuditKeys(schema, new EvidenceKeyring(EvidenceKey.fromPrivatePem(generateEvidenceKeyPem())));
    blobs = new FsBlobStore({ root: blobRoot() });
    keyring = new TenantKeyring({ dir: join(root, 'keys'), masterKey: randomBytes(32) });
    store = new XtaStore({ pool, schema });
    identities.push({ identifier: IDENTITY, kind: 'fachverfahren' });
    const config = XtaConfig.parse({ limits: { maxContainerBytes: 512 * 1024 * 1024 } });
    box = new HubMessageBox({ journal: new Journal({ pool, schema }), blobs, keyring, store, identities, config, routing: new Routing([]) });
  },
  teardown: async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
    await rm(root, { recursive: true, force: true });
  },
  config: () => ({ identity: IDENTITY }),
  services: () => ({ messageBox: box }),
  countDeliveries: async () => (await store.listOffered(IDENTITY, { limit: 10_000 })).length,
  listDelivered: async () => {
    const items: DeliveredItem[] = [];
    for (const entry of await store.listOffered(IDENTITY, { limit: 10_000 })) {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of (await getDecrypted(blobs, keyring, 'conformance', entry.packageBlobKey)) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
      }
      items.push({ name: entry.packageName ?? '', size, sha256: hash.digest('hex') });
    }
    return items;
  },
  breakFarSide: async (kind) => {
    if (kind === 'permanent') {
      identities.length = 0;
      return;
    }
    await rename(blobRoot(), `${blobRoot()}.away`);
    await writeFile(blobRoot(), 'the blob store is gone');
  },
  restore: async () => {
    if (identities.length === 0) identities.push({ identifier: IDENTITY, kind: 'fachverfahren' });
    await rm(blobRoot(), { force: true }).catch(() => undefined);
    await rename(`${blobRoot()}.away`, blobRoot()).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  },
});
