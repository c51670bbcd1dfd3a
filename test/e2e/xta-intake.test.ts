import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipsIn } from '../support/batch.js';
import { REPO_ROOT, tempDir, waitFor } from '../support/env.js';
import { XtaMeta } from '@weiche/hub';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { readZip, SCHEMA_CACHE, XDOMEA_XSD, xmllint } from '../support/zip.js';
import { writeXtaTestConfig, type XtaTestParties } from '../support/xta-config.js';
import { contentContainer, messageId, XtaTestClient } from '../support/xta-sender.js';

const XBAU_XSD = (): string => join(SCHEMA_CACHE(), 'xbau-2.6', 'xbau-nachrichten-baugenehmigung.xsd');
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n%âãÏÓ\n', 'latin1'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256)), Buffer.from('\n%%EOF\n')]);

// Issue 5, "Must show": an independent sender encrypts an XBau 2.6 Bauantrag plus a PDF for the reader's
// certificate and sends it inline and as MTOM; it reaches the DMS folder as xdomea 0401 and the
// Fachverfahren's message box as XBau; the transport report turns green.
describe('XTA 2 intake: OSCI-encrypted XBau to the DMS and to the message box', () => {
  let hub: InProcessHub;
  let parties: XtaTestParties;
  let dir: string;
  let outbox: string;
  let author: XtaTestClient;
  let fachverfahren: XtaTestClient;
  let readerCert: string;
  let xbau: Buffer;

  beforeAll(async () => {
    dir = await tempDir('xta-intake');
    const made = await writeXtaTestConfig(dir);
    parties = made.parties;
    outbox = made.cfg.outbox;
    hub = await startInProcessHub(made.cfg);
    author = new XtaTestClient(hub.baseUrl, parties.author.token);
    fachverfahren = new XtaTestClient(hub.baseUrl, parties.fachverfahren.token);
    readerCert = (await author.readerCertificate(parties.reader)) ?? '';
    xbau = await readFile(join(REPO_ROOT, 'packages/mappings/xbau-passthrough/samples/einfamilienhaus.input.xml'));
  }, 120_000);

  afterAll(async () => {
    await hub?.stop();
  });

  it('answers lookupService with the reader certificate and checkAccountActive for a known identity', async () => {
    expect(readerCert).toContain('BEGIN CERTIFICATE');
    const unknown = await new XtaTestClient(hub.baseUrl, 'not-a-token').readerCertificate(parties.reader);
    expect(unknown).toBeUndefined();
  });

  for (const mtom of [false, true]) {
    it(`delivers an encrypted XBau Bauantrag sent ${mtom ? 'as MTOM' : 'inline'}: xdomea 0401 in the DMS, XBau in the box, green report`, async () => {
      const before = await zipsIn(outbox);
      const id = messageId();
      // the sample XBau names its three documents by file name; the PDF is the form
      const plaintext = contentContainer({ data: xbau, contentType: 'application/xml', filename: 'antrag.xml' }, [
        { data: PDF, contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000002_Bauantrag.pdf', id: 'att-form' },
        { data: Buffer.from('%PDF-1.7 Lageplan'), contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000003_Lageplan_Größe_Straße.pdf', id: 'att-lageplan' },
        { data: Buffer.from('JPEG'), contentType: 'image/jpeg', filename: '00000000-0000-4000-8000-000000000004_Ansicht Süd.jpg', id: 'att-statik' },
      ]);
      const sent = await author.send({ meta: { author: parties.author.identifier, reader: parties.reader, messageId: id }, plaintext, certificatePem: readerCert, mtom });
      expect(sent.fault, sent.text).toBeUndefined();
      expect(sent.status).toBe(200);

      const report = await waitFor('green transport report', async () => {
        const r = await author.transportStatus(id);
        if (r.status === 3) throw new Error(`red report: ${r.reply.text}`);
        return r.status === 1 ? r : undefined;
      }, 60_000, 200);
      expect(report.reply.text).toContain(id);

      // (a) the DMS folder: an xdomea 0401 that validates with xmllint
      const zips = await waitFor('xdomea package', async () => {
        const all = await zipsIn(outbox);
        return all.length > before.length ? all : undefined;
      });
      const newest = zips.filter((z) => !before.includes(z));
      const entries = await readZip(join(outbox, newest[0]!));
      const message = entries.find((e) => e.name.endsWith('.xml') && e.content.includes('Abgabe.Abgabe.0401'));
      expect(message).toBeDefined();
      const checked = await xmllint(message!.content, XDOMEA_XSD(), dir);
      expect(checked.ok, checked.output).toBe(true);
      expect(entries.some((e) => e.content.equals(PDF))).toBe(true);

      // (b) the message box: list, fetch, close — XBau that validates
      const list = await fachverfahren.statusList();
      expect(list.reply.fault).toBeUndefined();
      expect(list.ids.length).toBeGreaterThan(0);
      const boxId = list.ids[list.ids.length - 1]!;
      const fetched = await fachverfahren.getMessage(boxId);
      expect(fetched.reply.fault, fetched.reply.text).toBeUndefined();
      expect(fetched.reply.text).toContain(id); // In-Reply-To names the sender's MessageID
      const xbauOut = fetched.message!;
      const valid = await xmllint(xbauOut, XBAU_XSD(), dir);
      expect(valid.ok, valid.output).toBe(true);
      expect(xbauOut.toString('utf8')).toContain('baugenehmigung.antrag.0200');
      expect(fetched.attachments.some((a) => a.equals(PDF))).toBe(true);

      // unclosed messages are offered again; after close they are gone
      expect((await fachverfahren.statusList()).ids).toContain(boxId);
      const closed = await fachverfahren.close(boxId);
      expect(closed.fault, closed.text).toBeUndefined();
      expect((await fachverfahren.statusList()).ids).not.toContain(boxId);
    }, 90_000);
  }

  it('answers lookupService from the routing table and refuses sendMessage for a service without a route (9013), nothing stored', async () => {
    const unrouted = 'urn:de:fim:leika:leistung:99999999999999';
    expect((await author.lookupService(parties.reader)).available).toBe(true);
    const lookup = await author.lookupService(parties.reader, unrouted);
    expect(lookup.reply.fault).toBeUndefined();
    expect(lookup.available).toBe(false);
    const id = messageId();
    const sent = await author.send({ meta: { author: parties.author.identifier, reader: parties.reader, messageId: id, service: unrouted }, plaintext: contentContainer({ data: xbau, contentType: 'application/xml', filename: 'antrag.xml' }, []), certificatePem: readerCert, mtom: false });
    expect(sent.fault, sent.text).toBe('9013');
    expect(sent.faultKind).toBe('PermissionDeniedException');
    expect(await hub.deps.journal.findByChannelRef('xta', id)).toBeUndefined();
  });

  it('delivers a document the XBau message does not reference beside it, in the DMS Vorgang and in the box, and audits the mismatch', async () => {
    const before = await zipsIn(outbox);
    const id = messageId();
    const extra = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7) % 256))]);
    const minimal = await readFile(join(REPO_ROOT, 'packages/mappings/xbau-passthrough/samples/minimal.input.xml'));
    const plaintext = contentContainer({ data: minimal, contentType: 'application/xml', filename: 'antrag.xml' }, [{ data: extra, contentType: 'application/pdf', filename: 'Nachreichung.pdf', id: 'att-extra' }]);
    const sent = await author.send({ meta: { author: parties.author.identifier, reader: parties.reader, messageId: id }, plaintext, certificatePem: readerCert, mtom: false });
    expect(sent.fault, sent.text).toBeUndefined();
    await waitFor('green transport report', async () => {
      const r = await author.transportStatus(id);
      if (r.status === 3) throw new Error(`red report: ${r.reply.text}`);
      return r.status === 1 ? r : undefined;
    }, 60_000, 200);
    const zips = (await zipsIn(outbox)).filter((z) => !before.includes(z));
    expect(zips).toHaveLength(1);
    const entries = await readZip(join(outbox, zips[0]!));
    expect(entries.some((e) => e.content.equals(extra))).toBe(true);
    const row = await hub.deps.journal.findByChannelRef('xta', id);
    const mapped = (await hub.deps.journal.listAudit({ submissionId: row!.submissionId, limit: 50 })).find((a) => a.toState === 'MAPPED');
    expect(JSON.stringify(mapped?.details)).toContain('not referenced by the XBau message');
    const boxIds = (await fachverfahren.statusList()).ids;
    const fetched = await Promise.all(boxIds.map((b) => fachverfahren.getMessage(b)));
    expect(fetched.some((f) => f.attachments.some((a) => a.equals(extra)))).toBe(true);
  }, 90_000);

  it('refuses content for a key the hub does not hold: red report, ciphertext kept', async () => {
    const foreign = join(dir, 'foreign');
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${foreign}.key`, '-out', `${foreign}.pem`, '-days', '1', '-subj', '/CN=not-the-reader']);
    const foreignCert = await readFile(`${foreign}.pem`, 'utf8');
    const id = messageId();
    const sent = await author.send({ meta: { author: parties.author.identifier, reader: parties.reader, messageId: id }, plaintext: contentContainer({ data: xbau, contentType: 'application/xml', filename: 'antrag.xml' }, []), certificatePem: foreignCert, mtom: false });
    expect(sent.fault).toBeUndefined();
    const red = await waitFor('red report', async () => {
      const r = await author.transportStatus(id);
      return r.status === 3 ? r : undefined;
    });
    expect(red.reply.text).toContain('no-matching-key');
    // in XTA's own terms: a Fehlernummer of the XTA code list, no FIT-Connect problem URI
    expect(red.reply.text).toMatch(/listURI="urn:de:xta:webservice:codeliste:fehlernummer"[^>]*>\s*<code>9052<\/code>/);
    expect(red.reply.text).not.toContain('schema.fitko.de');
    const row = await hub.deps.journal.findByChannelRef('xta', id);
    expect(row?.state).toBe('REJECTED');
    // kept as received for inspection
    const kept = (await hub.deps.blobs.read(XtaMeta.parse(row!.channelMeta).containerBlobKey)).toString('utf8');
    expect(kept).toContain('EncryptedData');
    // no FIT-Connect events for an XTA submission
    expect(await hub.deps.journal.hasEvent(row!.submissionId, 'reject-submission')).toBe(false);
    const audit = await hub.deps.journal.listAudit({ submissionId: row!.submissionId, limit: 20 });
    expect(audit.map((a) => [a.stage, a.toState])).toEqual([
      ['intake', 'RECEIVED'],
      ['open', 'REJECTED'],
      ['acknowledge', null],
    ]);
    expect(audit[2]?.details).toMatchObject({ transportReport: 'red' });
  }, 60_000);
});
