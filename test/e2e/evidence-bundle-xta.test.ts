import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvidenceBundle, evidenceKeyDir, runRetention, XTA_CHANNEL } from '@weiche/hub';
import { XtaStore, type SubmissionRow } from '@weiche/journal';
import { REPO_ROOT, tempDir, waitFor } from '../support/env.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { writeXtaTestConfig, type XtaTestParties } from '../support/xta-config.js';
import { contentContainer, messageId, XtaTestClient } from '../support/xta-sender.js';

// The XTA channel's part of an evidence bundle: the container as received and the transport report the author reads.
describe('evidence bundle and retention of XTA messages', () => {
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

  /** Sends a minimal XBau Bauantrag as the author and waits until it is delivered (DMS folder and message box). */
  async function sendDelivered(subject?: string): Promise<SubmissionRow> {
    const author = new XtaTestClient(hub.baseUrl, parties.author.token);
    const readerCert = (await author.readerCertificate(parties.reader)) ?? '';
    const xbau = await readFile(join(REPO_ROOT, 'packages/mappings/xbau-passthrough/samples/minimal.input.xml'));
    const id = messageId();
    const sent = await author.send({ meta: { author: parties.author.identifier, reader: parties.reader, messageId: id, ...(subject === undefined ? {} : { subject }) }, plaintext: contentContainer({ data: xbau, contentType: 'application/xml', filename: 'antrag.xml' }, []), certificatePem: readerCert, mtom: false });
    expect(sent.fault, sent.text).toBeUndefined();
    return waitFor('delivered', async () => {
      const r = await hub.deps.journal.findByChannelRef(XTA_CHANNEL, id);
      return r?.state === 'DELIVERED' ? r : undefined;
    });
  }

  it('names the encrypted container as received and the green transport report, and verifies offline', async () => {
    const row = await sendDelivered();
    const id = row.channelRef;

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

  it("keeps the author's free-text Subject out of the bundle, as its sha256", async () => {
    const subject = 'Bauantrag Max Mustermann, Hauptstraße 5';
    const row = await sendDelivered(subject);
    const signed = await buildEvidenceBundle(hub.deps, row.submissionId);
    const text = JSON.stringify(signed!.bundle);
    expect(text).not.toContain('Mustermann');
    const bundle = signed!.bundle as { transport: { transportReport: { messageMetaData: { qualifier: Record<string, unknown> } } } };
    const qualifier = bundle.transport.transportReport.messageMetaData.qualifier;
    expect(qualifier).toMatchObject({ subjectSha256: createHash('sha256').update(subject, 'utf8').digest('hex'), service: expect.any(String) });
    expect(qualifier).not.toHaveProperty('subject');
  }, 90_000);

  it('deletes a message box package the Fachverfahren closed once outputsDays are over, and keeps one it has not closed', async () => {
    const [taken, waiting] = [await sendDelivered(), await sendDelivered()];
    const store = new XtaStore({ pool: hub.deps.pool, schema: hub.deps.config.database.schema });
    const [takenEntry] = await store.entriesOfSubmission(taken.submissionId);
    const [waitingEntry] = await store.entriesOfSubmission(waiting.submissionId);
    const fachverfahren = new XtaTestClient(hub.baseUrl, parties.fachverfahren.token);
    expect((await fachverfahren.getMessage(takenEntry!.messageId)).message).toBeDefined();
    expect((await fachverfahren.close(takenEntry!.messageId)).fault).toBeUndefined();

    const config = { ...hub.deps.config, tenants: hub.deps.config.tenants.map((t) => ({ ...t, retention: { outputsDays: 30 } })) };
    const report = await runRetention({ ...hub.deps, config }, { actor: 'test', now: new Date(Date.now() + 31 * 24 * 3600 * 1000) });
    expect(report?.tenants[0]).toMatchObject({ tenantId: 'testhausen', boxPackages: 1 });

    expect(await hub.deps.blobs.exists(takenEntry!.packageBlobKey)).toBe(false);
    expect(await hub.deps.blobs.exists(waitingEntry!.packageBlobKey)).toBe(true);
    // asked again for the closed message, the box says it is gone (an XTA fault, not an internal error)
    const again = await fachverfahren.getMessage(takenEntry!.messageId);
    expect(again.reply.fault).toBe('9070');
    expect(again.reply.text).toContain('deleted (retention)');
    expect((await fachverfahren.getMessage(waitingEntry!.messageId)).message).toBeDefined();

    const records = (await hub.deps.journal.listAudit({ submissionId: taken.submissionId, limit: 100 })).filter((r) => r.stage === 'retention');
    expect(records.map((r) => r.details.deleted).sort()).toEqual(['message-box-package', 'outputs']);
    expect(records.find((r) => r.details.deleted === 'message-box-package')?.details).toMatchObject({ xtaMessageId: takenEntry!.messageId, storedAs: takenEntry!.packageBlobKey, outputsDays: 30 });
  }, 120_000);
});
