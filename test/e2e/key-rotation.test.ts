import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import pg from 'pg';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDecrypted, FsBlobStore } from '@weiche/blobstore';
import { loadConfigFile } from '@weiche/config';
import { generateRsaKeyPair } from '@weiche/crypto';
import { auditCheckpointLog, loadEvidenceKeys, loadMasterKeys, rotateEvidenceKey, rotateMasterKey, rotateSigningKey, tenantKeyring } from '@weiche/hub';
import { verifyAudit, type StoredOutput } from '@weiche/journal';
import { DATABASE_URL, dropSchema, tempDir, waitFor } from '../support/env.js';
import { TestSender } from '../support/fit-connect-sender.js';
import { HubProcess, restartHubOnPort, startHubOnFreePort } from '../support/hub-process.js';
import { SERVICE, setServerPort, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { accepted, waitForEvents } from '../support/wait-for-events.js';

// Issue 12, key rotation without downtime: the destination's encryption key, the hub's signing key (SETs),
// the evidence key and the master key are rotated while the hub runs and across a restart. What was made
// with an old key still opens or verifies; senders holding the old destination key or an old access token
// keep working.
describe('key rotation', () => {
  let cfg: TestHubConfig;
  let hub: HubProcess;
  let port: number;
  let base: string;
  let db: pg.Pool;

  const jwks = async (): Promise<JSONWebKeySet> => (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  const makeHub = async (p: number): Promise<HubProcess> => new HubProcess(['--config', (await setServerPort(cfg, p)).file]);
  // the restart keeps the port: senders hold the hub's URL
  const restartHub = async (): Promise<void> => void (hub = await restartHubOnPort(makeHub, port));
  const acceptedBy = (sender: TestSender, caseId: string): Promise<string[]> => waitForEvents(sender, caseId, accepted, 90_000);
  const outputOf = async (submissionId: string): Promise<{ tenant: string; output: StoredOutput }> => {
    const { rows } = await db.query<{ tenant_id: string; outputs: Record<string, StoredOutput> }>(`SELECT tenant_id, outputs FROM "${cfg.schema}".submissions WHERE submission_id = $1`, [submissionId]);
    const output = Object.values(rows[0]?.outputs ?? {})[0];
    if (!output || !rows[0]) throw new Error('no output');
    return { tenant: rows[0].tenant_id, output };
  };

  beforeAll(async () => {
    cfg = await writeTestConfig(await tempDir('key-rotation'));
    db = new pg.Pool({ connectionString: DATABASE_URL(), max: 2 });
    ({ hub, port } = await startHubOnFreePort(makeHub));
    base = `http://127.0.0.1:${port}`;
  }, 120_000);

  afterAll(async () => {
    await hub?.stop();
    await db?.end();
    if (cfg) await dropSchema(cfg.schema);
  });

  it('keeps every old key working through the rotation and a restart', async () => {
    const dataDir = cfg.raw.dataDir as string;
    const sender = new TestSender(base, cfg.clientId, cfg.clientSecret);
    const first = await sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}') });
    const firstEvents = await acceptedBy(sender, first.caseId);
    const oldDestinationKid = (await sender.destinationKey(cfg.destinationId)).kid;
    const [oldSigning] = (await jwks()).keys;
    expect(decodeProtectedHeader(firstEvents[0] ?? '').kid).toBe(oldSigning?.kid);

    // signing key: the next key is published by the running hub before it signs anything
    const { kid: nextSigningKid } = await rotateSigningKey(dataDir, { prepare: true });
    await waitFor('next signing key in the JWKS', async () => ((await jwks()).keys.some((k) => k.kid === nextSigningKid) ? true : undefined), 30_000, 500);
    await rotateSigningKey(dataDir, { activate: nextSigningKid });
    // master and evidence keys, while the hub runs: it keeps working
    const config = loadConfigFile(cfg.file);
    const master = await rotateMasterKey(config, { start: {} });
    expect(master.tenants).toContain('testhausen');
    const evidence = await rotateEvidenceKey(config);
    const during = await sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}') });
    await acceptedBy(sender, during.caseId);

    // destination key: the new pair becomes current, the old one decrypt-only; then a restart
    const pair = await generateRsaKeyPair({ commonName: 'Weiche destination (rotated)', bits: 4096 });
    const keys = join(cfg.dir, 'keys');
    await writeFile(join(keys, 'dest2.key.pem'), pair.privateKeyPem, { mode: 0o600 });
    await writeFile(join(keys, 'dest2.cert.pem'), pair.certificatePem);
    const destination = (cfg.raw.destinations as Array<{ keys: Record<string, unknown> }>)[0]!;
    destination.keys = {
      privateKeyFile: join(keys, 'dest2.key.pem'),
      certificateFile: join(keys, 'dest2.cert.pem'),
      decryptOnly: [{ privateKeyFile: join(keys, 'dest.key.pem'), certificateFile: join(keys, 'dest.cert.pem') }],
    };
    await writeFile(cfg.file, stringify(cfg.raw));
    await hub.stop();
    await restartHub();

    // the destination publishes the new key; a sender still holding the old key (and its old token) is served
    const info = await sender.json<{ encryptionKid: string }>('GET', `/v1/destinations/${cfg.destinationId}`);
    expect(info.encryptionKid).not.toBe(oldDestinationKid);
    const late = await sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}') });
    expect(late.statuses.submit).toBe(202);
    const lateEvents = await acceptedBy(sender, late.caseId);
    const fresh = new TestSender(base, cfg.clientId, cfg.clientSecret);
    expect((await fresh.destinationKey(cfg.destinationId)).kid).toBe(info.encryptionKid);
    const current = await fresh.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}') });
    await acceptedBy(fresh, current.caseId);

    // SETs from before and after the signing key rotation verify against the JWKS the hub publishes now
    const published = await jwks();
    expect(published.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldSigning?.kid, nextSigningKid]));
    const keySet = createLocalJWKSet(published);
    for (const token of [...firstEvents, ...lateEvents]) {
      await jwtVerify(token, keySet, { typ: 'secevent+jwt', algorithms: ['PS512'] });
    }
    expect(decodeProtectedHeader(lateEvents.at(-1) ?? '').kid).toBe(nextSigningKid);

    // master key: finish (every replica runs with the new key); outputs from before the rotation still open
    await rotateMasterKey(loadConfigFile(cfg.file), { finish: true });
    const keyring = tenantKeyring(dataDir, await loadMasterKeys(loadConfigFile(cfg.file)));
    expect((await loadMasterKeys(loadConfigFile(cfg.file))).others).toHaveLength(0);
    const blobs = new FsBlobStore({ root: join(dataDir, 'blobs') });
    for (const id of [first.submissionId, during.submissionId]) {
      const { tenant, output } = await outputOf(id);
      const parts: Buffer[] = [];
      for await (const chunk of (await getDecrypted(blobs, keyring, tenant, output.blobKey)) as AsyncIterable<Buffer>) parts.push(chunk);
      expect(Buffer.concat(parts).subarray(0, 2).toString('latin1')).toBe('PK');
    }
    const afterFinish = await fresh.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}') });
    await acceptedBy(fresh, afterFinish.caseId);

    // evidence key: records MACed with the old and the new key verify
    const ring = await loadEvidenceKeys(config, { create: false });
    expect(ring.currentKid).toBe(evidence.kid);
    const verdict = await verifyAudit({ pool: db, schema: cfg.schema, keys: ring, log: auditCheckpointLog(config) });
    expect(verdict.ok, verdict.message).toBe(true);
    const kids = await db.query<{ kid: string }>(`SELECT DISTINCT kid FROM "${cfg.schema}".audit WHERE kid IS NOT NULL`);
    expect(kids.rows.map((r) => r.kid)).toEqual(expect.arrayContaining([evidence.previous, evidence.kid]));
  }, 300_000);
});
