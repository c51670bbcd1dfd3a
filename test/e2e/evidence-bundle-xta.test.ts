import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvidenceBundle, evidenceKeyDir, XTA_CHANNEL } from '@weiche/hub';
import { REPO_ROOT, tempDir, waitFor } from '../support/env.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { writeXtaTestConfig, type XtaTestParties } from '../support/xta-config.js';
import { contentContainer, messageId, XtaTestClient } from '../support/xta-sender.js';

// The XTA channel's part of an evidence bundle: the container as received and the transport report the author reads.
describe('evidence bundle of an XTA message', () => {
  let hub: InProcessHub;
  let parties: XtaTestParties;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('evidence-xta');
    const made = await writeXtaTestConfig(dir);
    parties = made.parties;
    hub = await startInProcessHub(made.cfg);
  }, 120_000);

  afterAll(async () => {
    await hub?.stop();
  });

  it('names the encrypted container as received and the green transport report, and verifies offline', async () => {
    const author = new XtaTestClient(hub.baseUrl, parties.author.token);
    const readerCert = (await author.readerCertificate(parties.reader)) ?? '';
    const xbau = await readFile(join(REPO_ROOT, 'packages/mappings/xbau-passthrough/samples/minimal.input.xml'));
    const id = messageId();
    const sent = await author.send({ meta: { author: parties.author.identifier, reader: parties.reader, messageId: id }, plaintext: contentContainer({ data: xbau, contentType: 'application/xml', filename: 'antrag.xml' }, []), certificatePem: readerCert, mtom: false });
    expect(sent.fault, sent.text).toBeUndefined();
    const row = await waitFor('delivered', async () => {
      const r = await hub.deps.journal.findByChannelRef(XTA_CHANNEL, id);
      return r?.state === 'DELIVERED' ? r : undefined;
    });

    const signed = await buildEvidenceBundle(hub.deps, row.submissionId);
    const bundle = signed!.bundle as { received: Array<Record<string, unknown>>; transport: { messageId: string; transportReport: { status: number } }; outputs: unknown[]; audit: { records: Array<{ stage: string; inputHash: string | null }> } };
    const intake = bundle.audit.records.find((r) => r.stage === 'intake');
    expect(bundle.received).toEqual([{ part: 'container', blobKey: intake?.inputHash }]);
    expect(bundle.transport).toMatchObject({ messageId: id, transportReport: { status: 1 } });
    expect(bundle.outputs).toHaveLength(2);

    const file = join(dir, 'xta.jws');
    await writeFile(file, signed!.jws);
    const pub = join(evidenceKeyDir(join(dir, 'data')), `${hub.deps.evidence.currentKid}.pub.pem`);
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts/verify-evidence.mjs'), file, pub]);
    expect(stdout).toContain(`VERIFIED: evidence bundle of submission ${row.submissionId} (DELIVERED)`);
    expect(stdout).toContain('2 output package(s) as recorded');
  }, 90_000);
});
