import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig, type WeicheConfig } from '@weiche/config';
import { EvidenceKey, generateEvidenceKeyPem } from '@weiche/crypto';
import { createPool, Journal, migrate } from '@weiche/journal';
import { startAuditCheckpointer } from './audit-checkpointer.js';
import { evidenceKeyDir, loadEvidenceKeys, prepareAuditEvidence } from './audit-evidence.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const pool = createPool(DATABASE_URL, { max: 4 });
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

async function config(audit: Record<string, unknown> = {}): Promise<WeicheConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'weiche-evidence-'));
  const schema = `t_${randomBytes(5).toString('hex')}`;
  schemas.push(schema);
  return resolveConfig({ database: { url: DATABASE_URL, schema }, dataDir: join(dir, 'data'), tenants: [{ id: 't', name: 'T', behoerdenkennung: 'ags:1' }], audit }, { env: {}, baseDir: dir });
}

describe('evidence keys on disk', () => {
  it('creates one key on first start, even when several processes start at once, and loads it again', async () => {
    const cfg = await config();
    await expect(loadEvidenceKeys(cfg, { create: false })).rejects.toThrow(/no evidence key/);
    const rings = await Promise.all([1, 2, 3].map(() => loadEvidenceKeys(cfg, { create: true })));
    const kid = rings[0]!.currentKid;
    expect(rings.map((r) => r.currentKid)).toEqual([kid, kid, kid]);
    const dir = evidenceKeyDir(cfg.dataDir);
    expect((await readFile(join(dir, 'current'), 'utf8')).trim()).toBe(kid);
    expect((await stat(join(dir, `${kid}.key.pem`))).mode & 0o077).toBe(0);
    expect(EvidenceKey.fromPublicPem(await readFile(join(dir, `${kid}.pub.pem`), 'utf8')).kid).toBe(kid);
    expect((await loadEvidenceKeys(cfg, { create: false })).currentKid).toBe(kid);
  });

  it('rotates by adding a key and pointing current at it; the old one stays for verification', async () => {
    const cfg = await config();
    const old = await loadEvidenceKeys(cfg, { create: true });
    const dir = evidenceKeyDir(cfg.dataDir);
    const pem = generateEvidenceKeyPem();
    const next = EvidenceKey.fromPrivatePem(pem);
    await writeFile(join(dir, `${next.kid}.key.pem`), pem, { mode: 0o600 });
    await writeFile(join(dir, 'current'), `${next.kid}\n`);
    const ring = await loadEvidenceKeys(cfg, { create: false });
    expect(ring.currentKid).toBe(next.kid);
    expect(ring.get(old.currentKid)).toBeDefined();
    expect(ring.checkMac(old.currentKid, 'x', old.current.mac('x'))).toBe(true);
  });

  it('takes the key files the config names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weiche-evidence-files-'));
    const [current, retired] = [generateEvidenceKeyPem(), generateEvidenceKeyPem()];
    await writeFile(join(dir, 'current.pem'), current);
    await writeFile(join(dir, 'old.pem'), retired);
    const cfg = await config({ evidenceKeyFile: join(dir, 'current.pem'), retiredEvidenceKeyFiles: [join(dir, 'old.pem')] });
    const ring = await loadEvidenceKeys(cfg, { create: true });
    expect(ring.currentKid).toBe(EvidenceKey.fromPrivatePem(current).kid);
    expect(ring.keys.map((k) => k.kid)).toContain(EvidenceKey.fromPrivatePem(retired).kid);
    await expect(readdir(evidenceKeyDir(cfg.dataDir))).rejects.toThrow(); // nothing created beside them
  });

  it('seals what was appended with a last checkpoint when the checkpointer stops', async () => {
    const cfg = await config();
    await migrate(pool, cfg.database.schema);
    const { evidence, auditLog } = await prepareAuditEvidence(cfg, pool);
    const checkpointer = startAuditCheckpointer({ config: cfg, log: pino({ level: 'silent' }), pool, evidence, auditLog });
    await new Journal({ pool, schema: cfg.database.schema }).audit({ actor: 'olga', stage: 'operator', details: { action: 'pause-adapter' } });
    expect(await auditLog.list()).toEqual([]);
    await checkpointer.stop();
    expect(await auditLog.list()).toEqual(['000000000001.json', 'chains']);
  });
});
