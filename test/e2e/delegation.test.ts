import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { launchBrowser } from '../support/browser.js';
import { DATABASE_URL, tempDir } from '../support/env.js';
import { TestSender } from '../support/fit-connect-sender.js';
import { HubProcess, startHubOnFreePort } from '../support/hub-process.js';
import { addTenant, SERVICE, setServerPort, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { readZip, XDOMEA_XSD, xmllint } from '../support/zip.js';
import { accepted, waitForEvents } from '../support/wait-for-events.js';

// Issue 15, "Must show": a Gewerbeanmeldung for town A (Testhausen) is delegated to town B (Bhausen), lands in
// B's DMS folder as an xdomea message that still names A, and A's and B's tenant-admins see exactly what they
// should. Then the delegation ends by a config change and SIGHUP, without a restart: the next one stays with A.
const GEWERBE = 'urn:de:fim:leika:leistung:99050012104000';
const API = '/admin/api/v1';
const TOKENS = { adminA: randomBytes(16).toString('hex'), adminB: randomBytes(16).toString('hex'), operator: randomBytes(16).toString('hex') };
const DELEGATION = { id: 'gewerbe-kreis', from: 'testhausen', service: GEWERBE, to: 'bhausen', reason: 'Bhausen bearbeitet die Gewerbeanzeigen des Kreises' };

describe('delegation of a service to a back-office town, end to end', () => {
  let cfg: TestHubConfig;
  let hub: HubProcess;
  let sender: TestSender;
  let baseUrl: string;
  let outboxB: string;
  const sent = { gewerbe: '', bau: '', after: '' };

  async function api<T>(token: string, path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(baseUrl + API + path, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as T };
  }

  async function deliver(serviceIdentifier: string, serviceName: string, data: object): Promise<string> {
    const s = await sender.send({ destinationId: cfg.destinationId, serviceIdentifier, serviceName, data: Buffer.from(JSON.stringify(data)), schemaUri: 'urn:test:schema:1.0' });
    await waitForEvents(sender, s.caseId, accepted, 90_000);
    return s.submissionId;
  }

  const zipsIn = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.zip'));

  beforeAll(async () => {
    const dir = await tempDir('delegation');
    outboxB = join(dir, 'outbox-b');
    cfg = await writeTestConfig(dir, {
      overrides: (raw) => {
        addTenant(raw, dir, { id: 'bhausen', name: 'Stadt Bhausen', behoerdenkennung: 'ags:05974040' });
        const destinations = raw.destinations as Array<{ services: unknown[] }>;
        destinations[0]!.services.push({ identifier: GEWERBE, name: 'Gewerbe anmelden', submissionSchemas: [{ schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' }] });
        (raw.tenants as Array<Record<string, unknown>>)[1]!.organisationseinheit = 'Gewerbeamt';
        (raw.adapters as unknown[]).push({ id: 'dms-b', kind: 'dms-folder', config: { path: outboxB } });
        (raw.routes as unknown[]).push({ id: 'b-dms', tenant: 'bhausen', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms-b' });
        raw.delegations = [DELEGATION];
        raw.admin = {
          tokens: [
            { token: TOKENS.adminA, subject: 'anna', role: 'tenant-admin', tenants: ['testhausen'] },
            { token: TOKENS.adminB, subject: 'bernd', role: 'tenant-admin', tenants: ['bhausen'] },
            { token: TOKENS.operator, subject: 'olga', role: 'operator' },
          ],
        };
      },
    });
    const started = await startHubOnFreePort(async (port) => new HubProcess(['--config', (await setServerPort(cfg, port)).file]));
    hub = started.hub;
    baseUrl = `http://127.0.0.1:${started.port}`;
    sender = new TestSender(baseUrl, cfg.clientId, cfg.clientSecret);
    sent.gewerbe = await deliver(GEWERBE, 'Gewerbe anmelden', { betrieb: { name: 'Fahrradwerkstatt Weiß' }, taetigkeit: 'Reparatur von Fahrrädern' });
    sent.bau = await deliver(SERVICE, 'Baugenehmigung beantragen', { vorhaben: 'Carport' });
  }, 240_000);

  afterAll(async () => {
    await hub?.stop();
    const client = new pg.Client({ connectionString: DATABASE_URL() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${cfg.schema}" CASCADE`);
    await client.end();
  });

  it("the Gewerbeanmeldung lands in B's DMS folder as a valid xdomea 0401 that names A as Empfänger; A's own service stays in A's folder", async () => {
    const inB = await zipsIn(outboxB);
    const inA = await zipsIn(cfg.outbox);
    expect(inB).toHaveLength(1);
    expect(inA).toHaveLength(1);
    const entries = await readZip(join(outboxB, inB[0]!));
    const message = entries.find((e) => e.name.endsWith('_Abgabe.Abgabe.0401.xml'));
    expect(message).toBeDefined();
    const xml = message!.content.toString('utf8');
    const valid = await xmllint(message!.content, XDOMEA_XSD(), cfg.dir);
    expect(valid.output).toMatch(/validates/);
    expect(valid.ok).toBe(true);

    const empfaenger = /<xdomea:Empfaenger>([\s\S]*?)<\/xdomea:Empfaenger>/.exec(xml)?.[1] ?? '';
    expect(empfaenger).toContain('<code>05974028</code>');
    expect(empfaenger).toContain('<xdomea:Name>Gemeinde Testhausen</xdomea:Name>');
    expect(empfaenger).not.toContain('Bhausen');
    expect(xml).toContain('<xdomea:Federfuehrung>Stadt Bhausen – Gewerbeamt</xdomea:Federfuehrung>');
    expect(xml).toContain('<xdomea:Zustaendigkeit>Bearbeitende Stelle im Auftrag von Gemeinde Testhausen</xdomea:Zustaendigkeit>');
    expect(xml).toContain(`<xdomea:Wert>${sent.gewerbe}</xdomea:Wert>`);
    expect(xml).toMatch(/<xdomea:Name>Delegation<\/xdomea:Name>\s*<xdomea:Wert>gewerbe-kreis<\/xdomea:Wert>/);

    const own = (await readZip(join(cfg.outbox, inA[0]!))).find((e) => e.name.endsWith('.xml'))!.content.toString('utf8');
    expect(own).toContain(`<xdomea:Wert>${sent.bau}</xdomea:Wert>`);
    expect(own).not.toMatch(/Federfuehrung|Bhausen/);
  });

  it("A's tenant-admin sees both of its submissions and where the delegated one went; B's sees the delegated one and nothing else of A", async () => {
    type Page = { items: Array<{ submissionId: string; tenantId: string; processingTenantId: string | null; delegationId: string | null; state: string }> };
    const a = (await api<Page>(TOKENS.adminA, '/submissions')).body.items;
    expect(a.map((i) => i.submissionId).sort()).toEqual([sent.gewerbe, sent.bau].sort());
    expect(a.find((i) => i.submissionId === sent.gewerbe)).toMatchObject({ tenantId: 'testhausen', processingTenantId: 'bhausen', delegationId: 'gewerbe-kreis', state: 'DELIVERED' });
    expect(a.find((i) => i.submissionId === sent.bau)).toMatchObject({ processingTenantId: 'testhausen', delegationId: null });
    const detail = await api<{ deliveries: Array<{ routeId: string; adapterInstance: string; state: string }> }>(TOKENS.adminA, `/submissions/${sent.gewerbe}`);
    expect(detail.body.deliveries).toEqual([expect.objectContaining({ routeId: 'b-dms', adapterInstance: 'dms-b', state: 'DELIVERED' })]);

    const b = (await api<Page>(TOKENS.adminB, '/submissions')).body.items;
    expect(b.map((i) => i.submissionId)).toEqual([sent.gewerbe]);
    expect((await api(TOKENS.adminB, `/submissions/${sent.gewerbe}`)).status).toBe(200);
    expect((await api(TOKENS.adminB, `/submissions/${sent.bau}`)).status).toBe(404);
    const trail = await api<{ items: Array<{ stage: string; details: Record<string, unknown> }> }>(TOKENS.adminB, `/audit/records?submissionId=${sent.gewerbe}`);
    expect(trail.body.items.find((r) => r.stage === 'delegate')?.details).toMatchObject({ delegationId: 'gewerbe-kreis', processingTenantId: 'bhausen' });
    expect((await api<{ items: unknown[] }>(TOKENS.adminB, `/audit/records?submissionId=${sent.bau}`)).body.items).toEqual([]);
  });

  it('after the delegation ends (config change + SIGHUP, no restart) the next Gewerbeanmeldung stays with A; the first keeps its back office', async () => {
    const raw = { ...cfg.raw, delegations: [{ ...DELEGATION, validUntil: new Date().toISOString() }] };
    await writeFile(cfg.file, stringify(raw));
    process.kill(hub.pid!, 'SIGHUP');
    await hub.waitForLog('SIGHUP: delegations applied from the config file');
    sent.after = await deliver(GEWERBE, 'Gewerbe anmelden', { betrieb: { name: 'Bäckerei Nord' } });
    expect(await zipsIn(outboxB)).toHaveLength(1);
    expect(await zipsIn(cfg.outbox)).toHaveLength(2);
    type Row = { submissionId: string; processingTenantId: string | null; delegationId: string | null };
    const rows = (await api<{ items: Row[] }>(TOKENS.adminA, `/submissions?service=${encodeURIComponent(GEWERBE)}`)).body.items;
    expect(rows.find((r) => r.submissionId === sent.after)).toMatchObject({ processingTenantId: 'testhausen', delegationId: null });
    expect(rows.find((r) => r.submissionId === sent.gewerbe)).toMatchObject({ processingTenantId: 'bhausen', delegationId: 'gewerbe-kreis' });
    const { body } = await api<{ items: Array<{ actor: string; details: Record<string, unknown> }> }>(TOKENS.operator, '/audit/records?limit=500');
    expect(body.items.filter((r) => (r as { stage?: string }).stage === 'delegations').map((r) => [r.actor, r.details.source, r.details.changed])).toEqual([
      ['hub:config', 'config-file', []],
      ['hub:config', 'config-file (SIGHUP)', ['gewerbe-kreis']],
    ]);
  });

  it('the console shows "Ende-zu-Ende digital" as table and chart, each tenant-admin with its own figures', async () => {
    const browser = await launchBrowser({ locale: 'de-DE' });
    try {
      const figures = async (token: string): Promise<{ rows: string[][]; chart: string | null }> => {
        const page = await browser.context.newPage();
        await page.addInitScript("sessionStorage.setItem('weiche.refresh', '0')");
        await page.goto(`${baseUrl}/admin/`);
        await page.getByLabel('Admin-Token (Bearer)').fill(token);
        await page.keyboard.press('Enter');
        await page.getByRole('link', { name: 'Ende-zu-Ende digital' }).click();
        const table = page.getByTestId('ozg-progress');
        await table.waitFor({ timeout: 30_000 });
        const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c.textContent ?? '').trim())));
        const chart = await page.locator('svg.chart.e2e').getAttribute('aria-label');
        await page.close();
        return { rows, chart };
      };
      const a = await figures(TOKENS.adminA);
      // Testhausen: two Gewerbeanmeldungen (one processed by Bhausen) and one Baugenehmigung, all delivered
      expect(a.rows.map((r) => [r[1], r[2], r[3], r[4], r[5], r[8]])).toEqual(
        expect.arrayContaining([
          ['Gemeinde Testhausen', 'Gewerbe anmelden', '2', '2', '100 %', '1'],
          ['Gemeinde Testhausen', 'Baugenehmigung beantragen', '1', '1', '100 %', '0'],
        ]),
      );
      expect(a.chart).toBe('3 Anträge eingegangen, 3 Ende-zu-Ende digital zugestellt');
      // Bhausen: only the one it processed for Testhausen (Testhausen's names are not Bhausen's to see)
      const b = await figures(TOKENS.adminB);
      expect(b.rows.map((r) => [r[1], r[2], r[3], r[4], r[8]])).toEqual([['testhausen', GEWERBE, '1', '1', '1']]);
      expect(b.chart).toBe('1 Anträge eingegangen, 1 Ende-zu-Ende digital zugestellt');

      // A's timeline of the delegated submission says who processes it
      const page = await browser.context.newPage();
      await page.addInitScript("sessionStorage.setItem('weiche.refresh', '0')");
      await page.goto(`${baseUrl}/admin/`);
      await page.getByLabel('Admin-Token (Bearer)').fill(TOKENS.adminA);
      await page.keyboard.press('Enter');
      await page.getByRole('link', { name: 'Ende-zu-Ende digital' }).waitFor();
      await page.goto(`${baseUrl}/admin/#/submissions/${sent.gewerbe}`);
      expect(await page.getByTestId('processed-by').textContent({ timeout: 30_000 })).toBe('bhausen (Delegation gewerbe-kreis)');
      await page.close();
    } finally {
      await browser.close();
    }
  }, 120_000);
});
