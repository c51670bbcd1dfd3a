import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XTA_UPSTREAM_CHANNEL, XtaUpstreamMeta, xtaUpstreamRef } from '@weiche/hub';
import { REPO_ROOT, tempDir, waitFor } from '../support/env.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { createTestPki } from '../support/test-pki.js';
import { writeXtaTestConfig, type XtaTestParties } from '../support/xta-config.js';
import { XtaTestClient } from '../support/xta-sender.js';
import { XtaUpstreamServer, type BoxEntry } from '../support/xta-upstream-server.js';
import { upstreamFailures } from '../support/upstream-failures.js';

const OPERATOR = randomBytes(16).toString('hex');
/** The XTA channel's container limit here; the answer bound is its base64 plus 1 MiB (xta-runtime.ts). */
const CONTAINER_BYTES = 60_000;

// A message over the hub's size limit, fetched from an intermediary, is refused as too large — whether the answer
// is over the body bound (inline base64) or only its container is over the container limit (MTOM, binary parts):
// taken in refused with the limit as the reason, closed once, no failed call counted.
describe('XTA upstream: messages over the size limit', () => {
  let server: XtaUpstreamServer;
  let hub: InProcessHub;
  let parties: XtaTestParties;
  let readerCert: string;
  let xbau: Buffer;

  beforeAll(async () => {
    const dir = await tempDir('xta-upstream-limits');
    const pki = await createTestPki(dir, 'rz');
    const client = await pki.client('weiche-soest');
    xbau = await readFile(join(REPO_ROOT, 'packages/mappings/xbau-passthrough/samples/minimal.input.xml'));
    server = await new XtaUpstreamServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca, accounts: [{ certificatePem: client.cert, identity: 'ags:05974028' }] }).start();
    const made = await writeXtaTestConfig(dir, {
      maxContainerBytes: CONTAINER_BYTES,
      overrides(raw) {
        raw.admin = { tokens: [{ token: OPERATOR, subject: 'ops', role: 'operator' }] };
        raw.upstreams = {
          xta: [{ id: 'rz-box', tenant: 'testhausen', reader: 'ags:05974028', managementUrl: server.managementUrl, msgBoxUrl: server.msgBoxUrl, auth: { clientCertificateFile: client.certFile, clientKeyFile: client.keyFile }, caFile: pki.caFile, pollIntervalMs: 200 }],
        };
      },
    });
    parties = made.parties;
    hub = await startInProcessHub(made.cfg);
    readerCert = (await new XtaTestClient(hub.baseUrl, parties.author.token).readerCertificate(parties.reader)) ?? '';
  }, 120_000);

  afterAll(async () => {
    await hub?.stop();
    await server?.stop();
  });

  const put = (attachmentBytes: number, mtom: boolean): BoxEntry =>
    server.put({
      reader: parties.reader,
      author: 'dvdv:efa-bauportal',
      message: { data: xbau, contentType: 'application/xml', filename: 'antrag.xml' },
      attachments: [{ data: randomBytes(attachmentBytes), contentType: 'application/pdf', filename: 'Anlage.pdf', id: 'att-1' }],
      certificatePem: readerCert,
      mtom,
    });

  it.each([
    ['an MTOM answer within the body bound whose container is over the limit', 2 * CONTAINER_BYTES, true],
    ['an inline answer whose container is over the limit', 2 * CONTAINER_BYTES, false],
    ['an answer over the body bound', 1_200_000, false],
  ])('%s: refused as too large, closed once, no failed call', async (_what, bytes, mtom) => {
    const entry = put(bytes, mtom);
    const row = await waitFor('rejected', async () => {
      const r = await hub.deps.journal.findByChannelRef(XTA_UPSTREAM_CHANNEL, xtaUpstreamRef(entry.reader, entry.messageId));
      return r?.state === 'REJECTED' ? r : undefined;
    }, 60_000);
    expect(row.problem?.code).toBe('WEICHE_ERR_INPUT_REFUSED');
    expect(row.reason).toContain(`Inhaltscontainer höchstens ${CONTAINER_BYTES} Bytes`);
    expect(XtaUpstreamMeta.parse(row.channelMeta).container).toBe('refused');
    await waitFor('closed', async () => (entry.closes === 1 ? true : undefined), 30_000);
    expect(entry.fetches).toBe(1);
    const body = await (await fetch(`${hub.baseUrl}/metrics`, { headers: { authorization: `Bearer ${OPERATOR}` } })).text();
    expect([...upstreamFailures(body, 'rz-box').values()].reduce((a, b) => a + b, 0)).toBe(0);
  }, 90_000);
});
