import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubDeps, createLogger, demoConfig, startRoles, writeDemoJson, type HubDeps, type RunningHub } from '@weiche/hub';
import { dropSchema, REPO_ROOT, tempDir, uniqueName, waitFor } from '../support/env.js';
import { contentContainer, messageId, XtaTestClient } from '../support/xta-sender.js';

interface DemoJson {
  xta: {
    ports: { management: string; send: string; msgBox: string };
    author: { identifier: string; token: string };
    reader: { identifier: string; certificatePem: string };
    fachverfahren: { identifier: string; token: string };
  };
}

// Issue 5, "Demo": the embedded demo sets up an XTA author, one reader with a generated PKCS#12 keystore
// and one Fachverfahren, and writes their details to demo.json; a sender using only demo.json gets through.
describe('demo: XTA section of demo.json', () => {
  const schema = uniqueName('t');
  let deps: HubDeps;
  let hub: RunningHub;
  let demo: DemoJson;

  beforeAll(async () => {
    const dataDir = await tempDir('xta-demo');
    const { config, state } = await demoConfig(dataDir, { ...process.env, PORT: '0', HOST: '127.0.0.1', WEICHE_DB_SCHEMA: schema, WEICHE_REDIS_PREFIX: uniqueName('wt') });
    deps = await createHubDeps(config, createLogger({ level: 'silent' }));
    hub = await startRoles(deps, ['gateway', 'processor', 'dispatcher']);
    await writeDemoJson(config, state, hub.url ?? '');
    demo = JSON.parse(await readFile(join(dataDir, 'demo.json'), 'utf8')) as DemoJson;
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
    await deps?.close();
    await dropSchema(schema);
  });

  it('names the three ports, the author, the reader certificate and the Fachverfahren, and they work', async () => {
    expect(demo.xta.ports.send).toBe(`${hub.url}/xta/v3/send`);
    expect(demo.xta.reader.certificatePem).toContain('BEGIN CERTIFICATE');
    const author = new XtaTestClient(hub.url ?? '', demo.xta.author.token);
    const xbau = await readFile(join(REPO_ROOT, 'packages/mappings/xbau-passthrough/samples/minimal.input.xml'));
    const id = messageId();
    const sent = await author.send({ meta: { author: demo.xta.author.identifier, reader: demo.xta.reader.identifier, messageId: id }, plaintext: contentContainer({ data: xbau, contentType: 'application/xml', filename: 'antrag.xml' }, []), certificatePem: demo.xta.reader.certificatePem, mtom: false });
    expect(sent.fault, sent.text).toBeUndefined();
    const report = await waitFor('transport report', async () => {
      const r = await author.transportStatus(id);
      return r.status === 1 || r.status === 3 ? r : undefined;
    });
    expect(report.status, report.reply.text).toBe(1);
    const fv = new XtaTestClient(hub.url ?? '', demo.xta.fachverfahren.token);
    expect((await fv.statusList()).ids.length).toBe(1);
  }, 60_000);
});
