import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAUANTRAG_SCHEMA_URI } from '@weiche/mapping-bauantrag-xbau';
import { zipsIn } from '../support/batch.js';
import { REPO_ROOT, tempDir, waitFor } from '../support/env.js';
import { FachverfahrenEndpoint } from '../support/fachverfahren-endpoint.js';
import { eventNames, eventPayload } from '../support/fit-connect-sender.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { readZip, SCHEMA_CACHE, XDOMEA_XSD, xmllint } from '../support/zip.js';
import { accepted, waitForEvents, waitForState } from '../support/wait-for-events.js';

const SECRET = 'bauaufsicht-fachverfahren-secret';
const XBAU_XSD = (): string => join(SCHEMA_CACHE(), 'xbau-2.6', 'xbau-nachrichten-baugenehmigung.xsd');

async function bauantragForm(attachmentIds: { lageplan: string; statik: string }): Promise<Record<string, unknown>> {
  const sample = JSON.parse(await readFile(join(REPO_ROOT, 'packages/mappings/bauantrag-xbau/samples/einfamilienhaus.input.json'), 'utf8')) as {
    anlagen: Array<{ attachmentId: string }>;
  };
  sample.anlagen[0]!.attachmentId = attachmentIds.lageplan;
  sample.anlagen[1]!.attachmentId = attachmentIds.statik;
  return sample;
}

// Onboarding a service is a mapping module plus routes: one Bauantrag (JSON form data) fans out to
// the Bauaufsicht's Fachverfahren as XBau 2.6 over HTTP and to the DMS folder as xdomea 0401.
describe('Bauantrag: XBau to the Fachverfahren, xdomea to the DMS', () => {
  const endpoint = new FachverfahrenEndpoint(SECRET);
  let cfg: TestHubConfig;
  let hub: InProcessHub;
  let dir: string;

  beforeAll(async () => {
    await endpoint.start();
    dir = await tempDir('bauantrag');
    cfg = await writeTestConfig(dir, {
      overrides: (raw) => {
        const destination = (raw.destinations as Array<{ services: Array<Record<string, unknown>> }>)[0]!;
        destination.services[0]!.submissionSchemas = [{ schemaUri: BAUANTRAG_SCHEMA_URI, mimeType: 'application/json' }];
        (raw.adapters as unknown[]).push({ id: 'fv', kind: 'http', config: { url: endpoint.url, secret: SECRET }, retry: { attempts: 3, backoffMs: 100, maxBackoffMs: 200 } });
        raw.routes = [
          { id: 'bau-fv', tenant: 'testhausen', service: SERVICE, target: 'xbau-2.6:baugenehmigung.antrag.0200', adapter: 'fv' },
          { id: 'bau-dms', tenant: 'testhausen', service: SERVICE, target: 'xdomea-3.1.0:0401', adapter: 'dms' },
        ];
      },
    });
    hub = await startInProcessHub(cfg);
  });

  afterAll(async () => {
    await hub.stop();
    await endpoint.stop();
  });

  it('publishes the form schema and delivers valid XBau and valid xdomea, then accepts', async () => {
    const info = await hub.sender.json<{ services: Array<{ submissionSchemas: Array<{ schemaUri: string }> }> }>('GET', `/v1/destinations/${cfg.destinationId}`);
    expect(info.services[0]?.submissionSchemas.map((s) => s.schemaUri)).toEqual([BAUANTRAG_SCHEMA_URI]);

    const ids = { lageplan: randomUUID(), statik: randomUUID() };
    const form = await bauantragForm(ids);
    const sent = await hub.sender.send({
      destinationId: cfg.destinationId,
      serviceIdentifier: SERVICE,
      serviceName: 'Baugenehmigung beantragen',
      data: Buffer.from(JSON.stringify(form)),
      schemaUri: BAUANTRAG_SCHEMA_URI,
      attachments: [
        { attachmentId: ids.lageplan, content: randomBytes(3000), filename: 'Lageplan Größe.pdf', mimeType: 'application/pdf' },
        { attachmentId: ids.statik, content: randomBytes(3000), filename: 'Statik.pdf', mimeType: 'application/pdf' },
      ],
    });
    expect(sent.statuses.submit).toBe(202);
    const tokens = await waitForEvents(hub.sender, sent.caseId, accepted);
    expect(eventNames(tokens)).toEqual(['create-submission', 'submit-submission', 'accept-submission']);

    // the Fachverfahren got one signed ZIP with the XBau message and both attachments
    const body = endpoint.bodies.get(`${sent.submissionId}:bau-fv`);
    expect(body).toBeDefined();
    const zipFile = join(dir, 'fv.zip');
    await writeFile(zipFile, body!);
    const fvEntries = await readZip(zipFile);
    const xbau = fvEntries.find((e) => e.name.endsWith('_baugenehmigung.antrag.0200.xml'));
    expect(xbau).toBeDefined();
    const xbauVerdict = await xmllint(xbau!.content, XBAU_XSD(), dir);
    expect(xbauVerdict.ok, xbauVerdict.output).toBe(true);
    const xbauText = xbau!.content.toString('utf8');
    expect(xbauText).toContain('Müßig-Größer');
    expect(xbauText).toContain('antragsteller');
    expect(xbauText).toContain('bauvorhaben');
    expect(fvEntries).toHaveLength(3);

    // the DMS got an xdomea 0401 with the form data and the attachments
    const zips = await zipsIn(cfg.outbox);
    expect(zips).toHaveLength(1);
    const dmsEntries = await readZip(join(cfg.outbox, zips[0]!));
    const xdomea = dmsEntries.find((e) => e.name.endsWith('_Abgabe.Abgabe.0401.xml'));
    const xdomeaVerdict = await xmllint(xdomea!.content, XDOMEA_XSD(), dir);
    expect(xdomeaVerdict.ok, xdomeaVerdict.output).toBe(true);

    // both routes record which mapping module and version produced their package
    const row = await hub.deps.journal.getSubmission(sent.submissionId);
    const outputs = row?.outputs as Record<string, { mappingModule: string; mappingVersion: string }>;
    expect(outputs['xbau-2.6:baugenehmigung.antrag.0200']?.mappingModule).toBe('bauantrag-xbau');
    expect(outputs['xdomea-3.1.0:0401']?.mappingModule).toBe('generic-xdomea');
    expect(outputs['xbau-2.6:baugenehmigung.antrag.0200']?.mappingVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects invalid form data with a schema-violation naming the field, and delivers nothing', async () => {
    const ids = { lageplan: randomUUID(), statik: randomUUID() };
    const form = await bauantragForm(ids);
    delete form.bauvorhaben;
    const before = { fv: endpoint.stored.size, dms: (await zipsIn(cfg.outbox)).length };
    const sent = await hub.sender.send({
      destinationId: cfg.destinationId,
      serviceIdentifier: SERVICE,
      data: Buffer.from(JSON.stringify(form)),
      schemaUri: BAUANTRAG_SCHEMA_URI,
      attachments: [
        { attachmentId: ids.lageplan, content: randomBytes(100), filename: 'a.pdf', mimeType: 'application/pdf' },
        { attachmentId: ids.statik, content: randomBytes(100), filename: 'b.pdf', mimeType: 'application/pdf' },
      ],
    });
    const tokens = await waitFor('reject-submission', async () => {
      const log = await hub.sender.events(sent.caseId);
      return eventNames(log).includes('reject-submission') ? log : undefined;
    }, 60_000, 200);
    const problems = (eventPayload(tokens[tokens.length - 1]!) as { problems: Array<{ type: string; detail: string; instance: string }> }).problems;
    expect(problems[0]?.type).toBe('https://schema.fitko.de/fit-connect/events/problems/schema-violation');
    expect(problems[0]?.instance).toBe('data');
    expect(problems[0]?.detail).toContain('bauvorhaben');
    // the event is written first, then the state moves (so a crash in between cannot lose the event)
    await waitForState(hub.deps.journal, sent.submissionId, 'REJECTED', 30_000);
    expect(await hub.deps.journal.listDeliveries(sent.submissionId)).toEqual([]);
    expect(endpoint.stored.size).toBe(before.fv);
    expect((await zipsIn(cfg.outbox)).length).toBe(before.dms);
  });
});
