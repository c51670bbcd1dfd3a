import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DmsConfirmationStore, verifyAudit, type DmsConfirmationRow } from '@weiche/journal';
import { buildXdomea0402 } from '@weiche/xoev';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { tempDir, waitFor } from '../support/env.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { readZip } from '../support/zip.js';

const OPERATOR = randomBytes(16).toString('hex');
const DMS_TOKEN = randomBytes(16).toString('hex');
const OTHER_DMS_TOKEN = randomBytes(16).toString('hex');

interface Delivered {
  submissionId: string;
  prozessId: string;
  vorgangId: string;
  dokumentIds: string[];
}

// Real hub (all roles in process), PostgreSQL, Redis, files and HTTP: the DMS answers the delivered
// 0401 with a 0402 dropped into the dms-folder inbox, or posted to the hub's endpoint.
describe('import confirmation loop: DMS → hub journal, admin API and console', () => {
  let cfg: TestHubConfig;
  let hub: InProcessHub;
  let inbox: string;
  let store: DmsConfirmationStore;
  const delivered: Delivered[] = [];

  async function deliveredPackage(submissionId: string): Promise<Delivered> {
    const row = await hub.deps.journal.getSubmission(submissionId);
    const prozessId = row?.prozessId ?? '';
    const entries = await readZip(join(cfg.outbox, `${prozessId}_Abgabe.Abgabe.0401.zip`));
    const xml = entries.find((e) => e.name.endsWith('_Abgabe.Abgabe.0401.xml'))?.content.toString('utf8') ?? '';
    const ids = [...xml.matchAll(/<xdomea:ID>([^<]+)<\/xdomea:ID>/g)].map((m) => m[1]!);
    return { submissionId, prozessId, vorgangId: ids[0]!, dokumentIds: ids.slice(1) };
  }

  function answer(d: Delivered, failedReason?: string): string {
    return buildXdomea0402({
      prozessId: d.prozessId,
      createdAt: new Date(),
      sender: { behoerdenkennung: 'ags:05974028', name: 'DMS Testhausen' },
      recipient: { name: 'Weiche' },
      objects: [
        { objectId: d.vorgangId, imported: failedReason === undefined, reasons: failedReason === undefined ? [] : [failedReason] },
        ...d.dokumentIds.map((id) => ({ objectId: id, imported: failedReason === undefined, reasons: [] })),
      ],
    });
  }

  async function rows(submissionId: string, count: number): Promise<DmsConfirmationRow[]> {
    return waitFor(`${count} confirmation rows for ${submissionId}`, async () => {
      const found = await store.list(submissionId);
      return found.length >= count ? found : undefined;
    }, 30_000, 100);
  }

  async function timeline(submissionId: string): Promise<Array<Record<string, unknown>>> {
    const res = await fetch(`${hub.baseUrl}/admin/api/v1/submissions/${submissionId}`, { headers: { authorization: `Bearer ${OPERATOR}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { timeline: Array<Record<string, unknown>> }).timeline;
  }

  async function post(token: string | undefined, body: string, contentType = 'application/xml'): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${hub.baseUrl}/dms/v1/confirmations`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    const dir = await tempDir('dms-loop');
    inbox = join(dir, 'dms-inbox');
    await mkdir(inbox, { recursive: true });
    cfg = await writeTestConfig(dir, {
      overrides: (raw) => {
        (raw.tenants as unknown[]).push({ id: 'otherburg', name: 'Gemeinde Otherburg', behoerdenkennung: 'ags:05974099' });
        raw.adapters = [{ id: 'dms', kind: 'dms-folder', config: { path: join(dir, 'outbox'), inboxPath: inbox, inboxPollMs: 200 }, retry: { attempts: 3, backoffMs: 100, maxBackoffMs: 500 } }];
        raw.admin = { tokens: [{ token: OPERATOR, subject: 'olga', role: 'operator' }] };
        raw.dms = {
          clients: [
            { id: 'dms-testhausen', token: DMS_TOKEN, tenants: ['testhausen'] },
            { id: 'dms-otherburg', token: OTHER_DMS_TOKEN, tenants: ['otherburg'] },
          ],
        };
      },
    });
    hub = await startInProcessHub(cfg);
    store = new DmsConfirmationStore({ pool: hub.deps.pool, schema: cfg.schema });
    const sent = await Promise.all(
      ['Erika Musterfrau', 'Max Mustermann'].map((name) =>
        hub.sender.send({
          destinationId: cfg.destinationId,
          serviceIdentifier: SERVICE,
          serviceName: 'Baugenehmigung beantragen',
          data: Buffer.from(JSON.stringify({ antragsteller: { familienname: name.split(' ')[1], vorname: name.split(' ')[0] } })),
          attachments: [{ content: Buffer.from('%PDF-1.4\n%%EOF\n'), filename: 'Lageplan.pdf', mimeType: 'application/pdf' }],
        }),
      ),
    );
    for (const s of sent) {
      await waitFor(`${s.submissionId} delivered`, async () => (await hub.deps.journal.getSubmission(s.submissionId))?.state === 'DELIVERED', 90_000, 200);
      delivered.push(await deliveredPackage(s.submissionId));
    }
  }, 180_000);

  afterAll(async () => {
    await hub?.stop();
  });

  it('a 0402 dropped into the DMS inbox marks the submission as imported in the journal and the admin API timeline', async () => {
    const a = delivered[0]!;
    expect(a.dokumentIds).toHaveLength(2); // the application (PDF/A + JSON) and the attachment
    await writeFile(join(inbox, `${a.prozessId}_Abgabe.ImportBestaetigen.0402.xml`), answer(a));
    const recorded = await rows(a.submissionId, 3);
    expect(recorded.map((r) => [r.messageType, r.objectId, r.imported, r.source])).toEqual([
      ['0402', a.vorgangId, true, 'adapter:dms'],
      ...a.dokumentIds.map((id) => ['0402', id, true, 'adapter:dms']),
    ]);
    await waitFor('inbox file filed', async () => ((await readdir(join(inbox, 'processed'))).length === 1 ? true : undefined), 60_000, 100);
    expect((await readdir(inbox)).filter((f) => f.endsWith('.xml'))).toEqual([]);

    const entries = await timeline(a.submissionId);
    const dms = entries.filter((e) => e.kind === 'confirmation');
    expect(dms).toHaveLength(3);
    expect(dms.every((e) => e.imported === true && e.messageType === '0402')).toBe(true);
    expect(entries.some((e) => e.kind === 'audit' && e.stage === 'dms-confirmation' && e.actor === 'adapter:dms')).toBe(true);
    expect((await verifyAudit({ pool: hub.deps.pool, schema: hub.deps.config.database.schema, keys: hub.deps.evidence, log: hub.deps.auditLog })).ok).toBe(true);
  });

  it('a 0402 reporting a failed object shows that reason; foreign and hostile files go to failed/ with a reason', async () => {
    const b = delivered[1]!;
    await writeFile(join(inbox, 'b_0402.xml'), answer(b, 'Aktenplaneinheit 63.01.02 ist im DMS nicht angelegt'));
    await writeFile(join(inbox, 'unknown_0402.xml'), answer({ ...b, prozessId: randomUUID() }));
    await writeFile(join(inbox, 'xxe_0402.xml'), `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`);
    const recorded = await rows(b.submissionId, 3);
    expect(recorded[0]).toMatchObject({ objectId: b.vorgangId, imported: false, reasons: ['Aktenplaneinheit 63.01.02 ist im DMS nicht angelegt'] });
    const dms = (await timeline(b.submissionId)).filter((e) => e.kind === 'confirmation');
    expect(dms[0]).toMatchObject({ imported: false, reasons: ['Aktenplaneinheit 63.01.02 ist im DMS nicht angelegt'] });

    const failed = await waitFor('two files failed', async () => {
      const files = await readdir(join(inbox, 'failed'));
      return files.filter((f) => f.endsWith('.reason.txt')).length === 2 ? files : undefined;
    }, 10_000, 100);
    const reasons = await Promise.all(failed.filter((f) => f.endsWith('.reason.txt')).map((f) => readFile(join(inbox, 'failed', f), 'utf8')));
    expect(reasons.join('|')).toMatch(/DOCTYPE/);
    expect(reasons.join('|')).toMatch(/no submission of this DMS has ProzessID/);
    expect(failed.filter((f) => !f.endsWith('.reason.txt')).length).toBe(2);
  });

  it('the HTTP endpoint takes a 0403 with the DMS token, once, and keeps other tenants\' DMS out', async () => {
    const a = delivered[0]!;
    const receipt = `<?xml version="1.0" encoding="UTF-8"?>
<xdomea:Abgabe.EmpfangBestaetigen.0403 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.1.0">
  <xdomea:Kopf>
    <xdomea:ProzessID>${a.prozessId}</xdomea:ProzessID>
    <xdomea:Nachrichtentyp listURI="urn:xoev-de:xdomea:codeliste:nachrichtentyp" listVersionID="2.0"><code>0403</code></xdomea:Nachrichtentyp>
    <xdomea:Erstellungszeitpunkt>2025-03-02T08:00:00Z</xdomea:Erstellungszeitpunkt>
    <xdomea:Absender><xdomea:Institution><xdomea:Name>DMS Testhausen</xdomea:Name></xdomea:Institution></xdomea:Absender>
    <xdomea:Empfaenger><xdomea:Institution><xdomea:Name>Weiche</xdomea:Name></xdomea:Institution></xdomea:Empfaenger>
  </xdomea:Kopf>
</xdomea:Abgabe.EmpfangBestaetigen.0403>`;
    expect((await post(undefined, receipt)).status).toBe(401);
    expect((await post('falsch', receipt)).status).toBe(401);
    expect((await post(OTHER_DMS_TOKEN, receipt)).status).toBe(404);
    expect((await post(DMS_TOKEN, receipt, 'application/json')).status).toBe(415);
    const bad = await post(DMS_TOKEN, receipt.replace('<xdomea:Nachrichtentyp', '<xdomea:Unbekannt/><xdomea:Nachrichtentyp'));
    expect(bad.status).toBe(422);
    expect(bad.body.type).toBe('urn:weiche:problem:schema-violation');
    expect(bad.body.detail).toMatch(/fails xdomea-3\.1\.0 XSD validation/);
    expect(await post(DMS_TOKEN, receipt)).toEqual({ status: 200, body: { submissionId: a.submissionId, messageType: '0403', recorded: 1, imported: 0, failed: 0 } });
    expect((await post(DMS_TOKEN, receipt)).body.recorded).toBe(0);
    const dms = (await timeline(a.submissionId)).filter((e) => e.kind === 'confirmation');
    expect(dms.map((e) => e.messageType)).toEqual(['0402', '0402', '0402', '0403']);
    expect(dms[3]?.source).toBe('http:dms-testhausen');
  });

  it('the console timeline shows the DMS answer and its reason (headless Chromium)', async () => {
    const browser: TestBrowser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${hub.baseUrl}/admin/`);
      await page.getByLabel('Admin-Token (Bearer)').fill(OPERATOR);
      await page.keyboard.press('Enter');
      await page.getByRole('link', { name: 'Einreichungen' }).waitFor();
      const b = delivered[1]!;
      await page.evaluate(`window.location.hash = '#/submissions/${b.submissionId}'`);
      const items = page.getByTestId('timeline').getByTestId('dms-import');
      await items.first().waitFor({ timeout: 30_000 });
      expect(await items.first().textContent()).toBe(`nicht importiert: ${b.vorgangId}`);
      expect(await page.getByTestId('timeline').textContent()).toContain('Aktenplaneinheit 63.01.02 ist im DMS nicht angelegt');
    } finally {
      await browser.close();
    }
  }, 120_000);
});
