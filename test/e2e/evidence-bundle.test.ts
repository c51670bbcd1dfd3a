import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidenceKeyDir } from '@weiche/hub';
import { auditHash } from '@weiche/journal';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { DATABASE_URL, REPO_ROOT, tempDir, waitFor } from '../support/env.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const AUDITOR = randomBytes(16).toString('hex');
const OTHER_AUDITOR = randomBytes(16).toString('hex');
const TENANT_ADMIN = randomBytes(16).toString('hex');

/** The documented offline check (docs/evidence.md), run as a third party would: a child process with the public key only. */
async function verifyOffline(bundleFile: string, pubKey: string): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts/verify-evidence.mjs'), bundleFile, pubKey]);
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

/** What this test reads of a bundle. */
interface EvidenceBundleShape {
  received: Array<{ part: string }>;
  decrypted: Array<{ part: string; sha512: string }>;
  outputs: unknown[];
  mapping: string[];
  deliveries: unknown[];
  transport: { events: Array<{ event: string }> };
  audit: { records: unknown[]; anchor: unknown };
}

describe('evidence bundles', () => {
  let cfg: TestHubConfig;
  let hub: InProcessHub;
  let dir: string;
  let pubKey: string;
  let submissionId: string;
  let otherId: string;
  let thirdId: string;

  const evidence = (id: string, token = AUDITOR): Promise<Response> =>
    fetch(`${hub.baseUrl}/admin/api/v1/submissions/${id}/evidence`, { headers: { authorization: `Bearer ${token}` } });

  /** A console page of the browser, signed in with the auditor's token (no auto-refresh). */
  const signedInAsAuditor = async (browser: TestBrowser): Promise<Page> => {
    const page = await browser.context.newPage();
    await page.addInitScript("sessionStorage.setItem('weiche.refresh', '0')");
    await page.goto(`${hub.baseUrl}/admin/`);
    await page.getByLabel('Admin-Token (Bearer)').fill(AUDITOR);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('navigation').waitFor();
    return page;
  };

  beforeAll(async () => {
    dir = await tempDir('evidence-bundle');
    cfg = await writeTestConfig(dir, {
      overrides: (raw) => {
        raw.admin = {
          tokens: [
            { token: AUDITOR, subject: 'udo', role: 'auditor' },
            { token: OTHER_AUDITOR, subject: 'olga', role: 'auditor', tenants: ['anderswo'] },
            { token: TENANT_ADMIN, subject: 'tom', role: 'tenant-admin', tenants: ['testhausen'] },
          ],
        };
        raw.audit = { checkpointIntervalMs: 3_600_000 };
      },
    });
    hub = await startInProcessHub(cfg);
    pubKey = join(evidenceKeyDir(join(cfg.dir, 'data')), `${hub.deps.evidence.currentKid}.pub.pem`);
    const attachment = { content: Buffer.from('%PDF-1.4 Lageplan'), filename: 'lageplan.pdf', mimeType: 'application/pdf' };
    // three submissions, so the checkpoint seals three chains and the bundle's Merkle proof has two steps
    const sent = await Promise.all(['Carport', 'Gartenhaus', 'Zaun'].map((v) => hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from(`{"vorhaben":"${v}"}`), attachments: [attachment] })));
    submissionId = sent[0]!.submissionId;
    otherId = sent[1]!.submissionId;
    thirdId = sent[2]!.submissionId;
    await waitFor('delivered and acknowledged', async () => {
      const rows = await Promise.all(sent.map((x) => hub.deps.journal.getSubmission(x.submissionId)));
      return rows.every((row) => row?.state === 'DELIVERED' && row.acknowledgedAt !== null);
    });
  });

  afterAll(async () => {
    await hub.stop();
  });

  it('gives an auditor a signed bundle that a third party verifies offline, and one changed byte fails it', async () => {
    const res = await evidence(submissionId);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/jose/);
    expect(res.headers.get('content-disposition')).toContain(`weiche-evidence-${submissionId}.jws`);
    const jws = await res.text();
    const bundle = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as EvidenceBundleShape;
    // what the bundle holds: received ciphertext, decrypted parts, outputs, mapping, receipts, events, the chain and its anchor
    expect(bundle.received.map((p) => p.part)).toEqual(expect.arrayContaining(['metadata', 'data', expect.stringMatching(/^attachment:/)]));
    expect(bundle.decrypted).toHaveLength(2);
    expect(bundle.decrypted[0]).toMatchObject({ part: 'data', sha512: expect.stringMatching(/^[0-9a-f]{128}$/) });
    expect(bundle.outputs).toHaveLength(1);
    expect(bundle.mapping[0]).toMatch(/^generic-xdomea@/);
    expect(bundle.deliveries[0]).toMatchObject({ routeId: 'to-dms', state: 'DELIVERED', receipt: expect.any(Object) });
    expect(bundle.transport.events.map((e) => e.event)).toEqual(['create-submission', 'submit-submission', 'accept-submission']);
    expect(bundle.audit.records.length).toBeGreaterThanOrEqual(6);
    expect(bundle.audit.anchor).toMatchObject({ checkpoint: { no: 1 }, head: [`submission:${submissionId}`, bundle.audit.records.length, expect.any(String), expect.any(String)], treeSize: 3 });
    // in a Merkle tree of 3 heads the path has 1 or 2 siblings, by where the (random) chain name sorts
    const proof = (bundle.audit.anchor as { proof: unknown[] }).proof;
    expect(proof.length).toBeGreaterThanOrEqual(1);
    expect(proof.length).toBeLessThanOrEqual(2);
    expect(proof.every((p) => typeof p === 'string')).toBe(true);

    const file = join(dir, 'bundle.jws');
    await writeFile(file, jws);
    const good = await verifyOffline(file, pubKey);
    expect(good.out).toContain(`VERIFIED: evidence bundle of submission ${submissionId} (DELIVERED)`);
    expect(good.code).toBe(0);

    // one byte changed, in the middle of the signed payload
    const bytes = Buffer.from(jws, 'utf8');
    const at = jws.indexOf('.') + Math.floor(jws.split('.')[1]!.length / 2);
    bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
    const changed = join(dir, 'bundle-changed.jws');
    await writeFile(changed, bytes);
    const bad = await verifyOffline(changed, pubKey);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^NOT VERIFIED: weiche-evidence-bundle: the signature does not verify/);

    // the public key is also published through the API (what a third party compares with the operator's kid)
    const published = await fetch(`${hub.baseUrl}/admin/api/v1/audit/evidence-keys`, { headers: { authorization: `Bearer ${AUDITOR}` } });
    const kid = hub.deps.evidence.currentKid;
    expect(await published.json()).toEqual({ keys: [{ kid, current: true, publicKeyPem: await readFile(pubKey, 'utf8'), jwk: expect.objectContaining({ kid, kty: 'EC', crv: 'P-256' }) }] });

    // another key than the hub's proves nothing
    const stranger = join(dir, 'stranger.pub.pem');
    const { generateKeyPairSync } = await import('node:crypto');
    await writeFile(stranger, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
    expect((await verifyOffline(file, stranger)).code).toBe(1);

    // a key file it cannot read or parse is a usage error (2, as documented), not a bundle that failed (1)
    const notPem = join(dir, 'not-a-key.pub.pem');
    await writeFile(notPem, 'not a key');
    for (const key of [join(dir, 'missing.pub.pem'), notPem]) {
      const unreadable = await verifyOffline(file, key);
      expect(unreadable.code).toBe(2);
      expect(unreadable.out).not.toContain('NOT VERIFIED');
      expect(unreadable.err).toContain(`cannot read the public key ${key}`);
    }
  });

  it('is for auditors and operators of the submission\'s tenant only', async () => {
    expect((await evidence(submissionId, TENANT_ADMIN)).status).toBe(403);
    expect((await evidence(submissionId, OTHER_AUDITOR)).status).toBe(404);
    const missing = await evidence('00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('lets an auditor download the bundle from the console\'s submission view', async () => {
    const browser = await launchBrowser({ locale: 'de-DE' });
    try {
      const page = await signedInAsAuditor(browser);
      await page.goto(`${hub.baseUrl}/admin/#/submissions/${submissionId}`);
      const button = page.getByTestId('download-evidence');
      await button.waitFor({ timeout: 30_000 });
      const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
      expect(download.suggestedFilename()).toBe(`weiche-evidence-${submissionId}.jws`);
      const file = join(dir, 'from-console.jws');
      await download.saveAs(file);
      const checked = await verifyOffline(file, pubKey);
      expect(checked.out).toContain(`VERIFIED: evidence bundle of submission ${submissionId}`);
      expect(checked.code).toBe(0);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('anchors in the checkpoint log, not the database index: newest records deleted with the index row that sealed them are refused', async () => {
    expect((await evidence(thirdId)).status).toBe(200);
    // an operator action after that checkpoint: the next bundle's checkpoint seals it
    await hub.deps.journal.audit({ submissionId: thirdId, actor: 'operator:olga', stage: 'redeliver', details: { reason: 'Ordner repariert' } });
    const sealed = await evidence(thirdId);
    expect(sealed.status).toBe(200);
    const { audit } = JSON.parse(Buffer.from((await sealed.text()).split('.')[1]!, 'base64url').toString('utf8')) as { audit: { chain: string; records: unknown[]; anchor: { checkpoint: { no: number } } } };
    const newest = audit.anchor.checkpoint.no;
    const owner = new pg.Pool({ connectionString: DATABASE_URL(), max: 1 });
    const client = await owner.connect();
    try {
      // the owner of the database takes the operator action out, and the index row of the checkpoint that sealed it
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      await client.query(`DELETE FROM "${cfg.schema}".audit_checkpoint_heads WHERE chain = $1 AND checkpoint_no = $2`, [audit.chain, newest]);
      await client.query(`DELETE FROM "${cfg.schema}".audit WHERE chain = $1 AND chain_seq = $2`, [audit.chain, audit.records.length]);
      await client.query('COMMIT');
    } finally {
      client.release();
      await owner.end();
    }
    const res = await evidence(thirdId);
    const body = await res.text();
    expect(res.status, body.slice(0, 300)).toBe(409);
    expect((JSON.parse(body) as { detail: string }).detail).toBe(
      `the audit chain of this submission does not verify (record #${audit.records.length}: newest records deleted (sealed by checkpoint ${newest})): no bundle is signed; run weiche audit verify`,
    );
  });

  it('refuses a chain whose head a database owner set back after a checkpoint sealed it, although the next checkpoint seals the shorter chain', async () => {
    const sent = await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"vorhaben":"Wintergarten"}') });
    await waitFor('delivered and acknowledged', async () => (await hub.deps.journal.getSubmission(sent.submissionId))?.acknowledgedAt != null);
    const sealed = await evidence(sent.submissionId);
    expect(sealed.status).toBe(200);
    const { audit } = JSON.parse(Buffer.from((await sealed.text()).split('.')[1]!, 'base64url').toString('utf8')) as { audit: { chain: string; records: unknown[]; anchor: { checkpoint: { no: number } } } };
    const top = audit.records.length;
    const s = `"${cfg.schema}"`;
    const owner = new pg.Pool({ connectionString: DATABASE_URL(), max: 1 });
    /** As the owner of the database: triggers off for one transaction. */
    const asOwner = async (fn: (client: pg.PoolClient) => Promise<unknown>): Promise<void> => {
      const client = await owner.connect();
      try {
        await client.query('BEGIN');
        await client.query('SET LOCAL session_replication_role = replica');
        await fn(client);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    };
    const headTo = (client: pg.PoolClient, seq: number, sealed: string): Promise<unknown> =>
      client.query(
        `UPDATE ${s}.audit_heads h SET chain_seq = a.chain_seq, hash = a.hash, at = a.at, sealed_seq = ${sealed}
           FROM ${s}.audit a WHERE h.chain = $1 AND a.chain = h.chain AND a.chain_seq = $2`,
        [audit.chain, seq],
      );
    let gone: unknown[] = [];
    try {
      // the owner deletes the two newest records (delivered, acknowledged) and points the head back, so the
      // checkpoint before the next bundle seals the chain as it stood before
      await asOwner(async (client) => {
        gone = (await client.query(`DELETE FROM ${s}.audit WHERE chain = $1 AND chain_seq > $2 RETURNING *`, [audit.chain, top - 2])).rows;
        await headTo(client, top - 2, 'a.chain_seq - 1');
      });
      const res = await evidence(sent.submissionId);
      const body = await res.text();
      expect(res.status, body.slice(0, 300)).toBe(409);
      expect((JSON.parse(body) as { detail: string }).detail).toMatch(
        new RegExp(`^the audit chain of this submission does not verify \\(record #${top - 1}: checkpoint \\d+ sealed the chain only up to #${top - 2} after checkpoint ${audit.anchor.checkpoint.no} had sealed it up to #${top}: its head was set back in the database`),
      );
    } finally {
      // the records back, so that the console's chain check below counts only the gaps it expects (the set-back seal stays in the log)
      await asOwner(async (client) => {
        await client.query(`INSERT INTO ${s}.audit SELECT * FROM json_populate_recordset(NULL::${s}.audit, $1)`, [JSON.stringify(gone)]);
        await headTo(client, top, 'a.chain_seq');
      });
      await owner.end();
    }
  });

  it('refuses to sign a chain with a record a database owner forged, also once a checkpoint sealed it', async () => {
    const records = await hub.deps.journal.listAudit({ submissionId: otherId, limit: 100 });
    const last = records.at(-1)!;
    // appended with a correct link and hash, as someone without the evidence key can: only the MAC is wrong
    const forged = { ...last, chainSeq: last.chainSeq + 1, at: new Date(), actor: 'mallory', stage: 'redeliver', fromState: null, toState: null, details: { note: 'forged' }, prevHash: last.hash };
    const hash = auditHash(last.hash, forged);
    const owner = new pg.Pool({ connectionString: DATABASE_URL(), max: 1 });
    try {
      const s = `"${cfg.schema}"`;
      await owner.query(
        `INSERT INTO ${s}.audit (at, chain, chain_seq, tenant_id, submission_id, actor, stage, from_state, to_state, input_hash, output_hash, details, prev_hash, hash, kid, mac)
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, $8, $9, $10, $11, $12, $13, $14)`,
        [forged.at, forged.chain, forged.chainSeq, forged.tenantId, otherId, forged.actor, forged.stage, forged.inputHash, forged.outputHash, JSON.stringify(forged.details), forged.prevHash, hash, last.kid, 'ab'.repeat(32)],
      );
      // and moved the chain's head to it, so the checkpoint before the bundle seals it
      await owner.query(`UPDATE ${s}.audit_heads SET chain_seq = $2, hash = $3, at = $4 WHERE chain = $1`, [forged.chain, forged.chainSeq, hash, forged.at]);
    } finally {
      await owner.end();
    }
    const res = await evidence(otherId);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as { detail: string }).detail).toMatch(new RegExp(`record #${forged.chainSeq}: MAC invalid`));
  });

  it('refuses a bundle when a database owner re-chained the records after the checkpoint sealed them; offline such a bundle fails', async () => {
    const owner = new pg.Pool({ connectionString: DATABASE_URL(), max: 1 });
    const client = await owner.connect();
    const rechained = new Map<number, { details: Record<string, unknown>; prevHash: string; hash: string }>();
    try {
      const records = await hub.deps.journal.listAudit({ submissionId, limit: 100 });
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      // change record #2 and recompute every later hash, as someone without the evidence key can
      let prev = records[0]!.hash;
      for (const r of records.slice(1)) {
        const details = r.chainSeq === 2 ? { ...r.details, forged: true } : r.details;
        const hash = auditHash(prev, { ...r, details });
        await client.query(`UPDATE "${cfg.schema}".audit SET details = $2, prev_hash = $3, hash = $4 WHERE seq = $1`, [r.seq, JSON.stringify(details), prev, hash]);
        rechained.set(r.chainSeq, { details, prevHash: prev, hash });
        prev = hash;
      }
      await client.query('COMMIT');
    } finally {
      client.release();
      await owner.end();
    }
    const res = await evidence(submissionId);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/record #2: MAC invalid/);

    // a bundle over these records, signed anyway (as a hub that did not check the MACs did), fails the offline check
    const signed = await readFile(join(dir, 'bundle.jws'), 'utf8');
    const bundle = JSON.parse(Buffer.from(signed.split('.')[1]!, 'base64url').toString('utf8')) as { audit: { records: Array<{ chainSeq: number }> } };
    bundle.audit.records = bundle.audit.records.map((r) => ({ ...r, ...rechained.get(r.chainSeq) }));
    const file = join(dir, 'bundle-rechained.jws');
    await writeFile(file, await hub.deps.evidence.sign(bundle as unknown as Record<string, unknown>, 'weiche-evidence-bundle'));
    const result = await verifyOffline(file, pubKey);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^NOT VERIFIED: record #\d+, which checkpoint 1 sealed, is not the record in the bundle/);
  });

  it('tells in German in the console why no evidence bundle was signed for a tampered chain', async () => {
    const browser = await launchBrowser({ locale: 'de-DE' });
    try {
      const page = await signedInAsAuditor(browser);
      await page.goto(`${hub.baseUrl}/admin/#/submissions/${thirdId}`);
      await page.getByTestId('download-evidence').click();
      // the newest record of the third submission was deleted with its checkpoint index row (test above)
      await page.locator('#status[data-kind="error"]').waitFor({ timeout: 30_000 });
      expect(await page.locator('#status').textContent()).toMatch(
        /^Fehler: 409 Die Prüfkette dieser Einreichung ist nicht unversehrt \(Eintrag \d+: neueste Einträge gelöscht \(von Prüfpunkt \d+ versiegelt\)\): es wird kein Nachweis signiert; bitte „weiche audit verify“ ausführen$/,
      );
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('names in the console\'s chain check which submission\'s record is bad and why, and where records are missing', async () => {
    const browser = await launchBrowser({ locale: 'de-DE' });
    try {
      const page = await signedInAsAuditor(browser);
      await page.goto(`${hub.baseUrl}/admin/#/audit`);
      await page.getByRole('button', { name: 'Kette prüfen' }).click();
      const verdict = page.getByTestId('verify-result').locator('p.verdict');
      await verdict.waitFor({ timeout: 60_000 });
      // the earliest bad record is #2 of the re-chained submission; the newest record of the third was deleted (tests above)
      expect(await verdict.textContent()).toMatch(
        new RegExp(
          `^Prüfprotokoll nicht unversehrt\\. Erster Fehler: Einreichung ${submissionId}, Eintrag 2 ihrer Kette: MAC ungültig: gefälscht oder ohne den Beweisschlüssel neu verkettet\\. ` +
            `Einträge fehlen an 1 Stelle\\(n\\), zuerst Einreichung ${thirdId}, Eintrag \\d+ ihrer Kette: neueste Einträge gelöscht \\(von Prüfpunkt \\d+ versiegelt\\)\\. [\\d.]+ von [\\d.]+ Einträgen geprüft\\.$`,
        ),
      );
    } finally {
      await browser.close();
    }
  }, 120_000);
});
