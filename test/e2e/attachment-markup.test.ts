import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@weiche/hub';
import { waitFor } from '../support/env.js';
import { eventNames, eventPayload, type SenderAttachment } from '../support/fit-connect-sender.js';
import { SERVICE } from '../support/test-config.js';
import { startXtaTestHub, type XtaTestHub } from '../support/xta-hub.js';
import { contentContainer, messageId, type Part } from '../support/xta-sender.js';
import { readZip } from '../support/zip.js';
import { waitForEvents, waitForState } from '../support/wait-for-events.js';

// An XML or SVG attachment goes to the back office as it is; one whose prolog declares a DTD or an entity
// (XXE, billion laughs, SSRF at the DMS that opens it) is refused like XML data with a DOCTYPE: a
// reject-submission (FIT-Connect) or a red transport report (XTA), nothing delivered, the input kept.
// Whether it is XML is read from its bytes: the label and the name may say PDF.
const PROBLEM = 'https://schema.fitko.de/fit-connect/events/problems/';
const XXE_SVG = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>\n');
const SSRF_XML = Buffer.from('<?xml version="1.0"?>\n<!-- Nachweis -->\n<!DOCTYPE nachweis SYSTEM "http://169.254.169.254/latest/meta-data/">\n<nachweis/>\n');
const utf16le = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const CLEAN_SVG = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n');
const CLEAN_XML = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<nachweis><art>Grundbuchauszug</art></nachweis>\n');
const CLEAN_UTF16 = utf16le('<?xml version="1.0" encoding="UTF-16"?>\n<nachweis><art>Grundbuchauszug</art></nachweis>\n');
// a citizen's saved web page: HTML5's doctype names no DTD and declares no entity
const SAVED_PAGE = Buffer.from('\uFEFF<!-- saved from url=(0014)about:internet -->\n<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8"><title>Bescheid</title></head><body><p>Sehr geehrte&nbsp;Damen und Herren</p></body></html>\n');
// a PDF may embed XML (XMP, an SVG as a file attachment) further in: not a prolog, not the hub's to refuse
const PDF_WITH_DOCTYPE = Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), Buffer.from(`1 0 obj\n<< /Type /EmbeddedFile >>\nstream\n${XXE_SVG.toString('utf8')}endstream\nendobj\n%%EOF\n`)]);

/** The hostile attachments, each with the label a sender might give it. */
const HOSTILE: ReadonlyArray<{ what: string; content: Buffer; filename: string; mimeType: string }> = [
  { what: 'an SVG with an external entity', content: XXE_SVG, filename: 'Lageplan.svg', mimeType: 'image/svg+xml' },
  { what: 'an XML with an external DTD', content: SSRF_XML, filename: 'Nachweis.xml', mimeType: 'application/xml' },
  { what: 'a UTF-16 XML with a DOCTYPE', content: utf16le(SSRF_XML.toString('utf8')), filename: 'Nachweis.xml', mimeType: 'text/xml' },
  { what: 'an SVG labelled and named as a PDF', content: XXE_SVG, filename: 'Mustermann-Erika-Geburtsurkunde.pdf', mimeType: 'application/pdf' },
];
const CLEAN: ReadonlyArray<{ content: Buffer; filename: string; mimeType: string }> = [
  { content: CLEAN_SVG, filename: 'Lageplan.svg', mimeType: 'image/svg+xml' },
  { content: CLEAN_XML, filename: 'Nachweis.xml', mimeType: 'application/xml' },
  { content: CLEAN_UTF16, filename: 'Nachweis-utf16.xml', mimeType: 'text/xml' },
  { content: PDF_WITH_DOCTYPE, filename: 'Bauzeichnung.pdf', mimeType: 'application/pdf' },
  { content: SAVED_PAGE, filename: 'Bescheid-gespeichert.html', mimeType: 'text/html' },
];

describe('attachments whose XML prolog declares a DTD', () => {
  let t: XtaTestHub;
  // everything the hub logs, at its lowest level: the sender's file names must not be in it
  const logged: string[] = [];

  beforeAll(async () => {
    t = await startXtaTestHub('attachment-markup', { log: createLogger({ level: 'trace', destination: { write: (line: string) => void logged.push(line) } }) });
  }, 120_000);

  afterAll(async () => {
    await t?.hub.stop();
  });

  /** The entries of the DMS package of a delivered submission. */
  async function deliveredEntries(submissionId: string): Promise<Buffer[]> {
    const row = await waitForState(t.hub.deps.journal, submissionId, 'DELIVERED');
    const output = row.outputs?.['xdomea-3.1.0:0401'];
    expect(output).toBeDefined();
    return (await readZip(join(t.parties.msgboxOutbox, output!.packageName))).map((e) => e.content);
  }

  describe('FIT-Connect', () => {
    const formData = (): Buffer => Buffer.from(JSON.stringify({ vorhaben: 'Gartenhaus', nummer: randomUUID() }));
    const pdf: SenderAttachment = { content: Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n'), filename: 'Antrag.pdf', mimeType: 'application/pdf' };

    it.each(HOSTILE)('$what → reject-submission syntax-violation naming the attachment, nothing delivered, the upload kept', async (hostile) => {
      const sent = await t.hub.sender.send({ destinationId: destination(), serviceIdentifier: SERVICE, data: formData(), attachments: [pdf, hostile] });
      expect(sent.statuses.submit).toBe(202);
      const events = await waitForEvents(t.hub.sender, sent.caseId, 3);
      expect(eventNames(events)).toEqual(['create-submission', 'submit-submission', 'reject-submission']);
      const problems = (eventPayload(events[2]!) as { problems: Array<{ type: string; detail: string; instance: string }> }).problems;
      expect(problems).toEqual([expect.objectContaining({ type: `${PROBLEM}syntax-violation`, instance: `attachment:${sent.attachmentIds[1]}` })]);
      expect(problems[0]!.detail).toMatch(/DOCTYPE|DTD/);
      // the reason names the part by its id, not by the sender's file name
      expect(problems[0]!.detail).not.toContain(hostile.filename);
      const row = await waitForState(t.hub.deps.journal, sent.submissionId, 'REJECTED', 20_000);
      expect(row.problem).toMatchObject({ code: 'WEICHE_ERR_SYNTAX_VIOLATION', stage: 'open', part: `attachment:${sent.attachmentIds[1]}` });
      expect(row.outputs ?? {}).toEqual({});
      expect(await t.hub.deps.journal.listDeliveries(sent.submissionId)).toEqual([]);
      // kept for inspection: the attachment's ciphertext as uploaded
      const uploads = await t.hub.deps.journal.listAttachments(sent.submissionId);
      expect(uploads.map((u) => u.attachmentId).sort()).toEqual([...sent.attachmentIds].sort());
      for (const u of uploads) expect((await t.hub.deps.blobs.read(u.blobKey)).length).toBeGreaterThan(0);
    }, 90_000);

    it('SVG, XML and UTF-16 XML without a DTD, a PDF with `<!DOCTYPE` further in and an HTML5 page → delivered byte for byte', async () => {
      const sent = await t.hub.sender.send({ destinationId: destination(), serviceIdentifier: SERVICE, data: formData(), attachments: [pdf, ...CLEAN] });
      expect(sent.statuses.submit).toBe(202);
      const entries = await deliveredEntries(sent.submissionId);
      for (const clean of CLEAN) expect(entries.some((e) => e.equals(clean.content)), clean.filename).toBe(true);
    }, 90_000);
  });

  describe('XTA', () => {
    /** The three documents the XBau sample names, so that its pass-through to the box has them. */
    const named = (): Part[] => [
      { data: Buffer.from('%PDF-1.7 Antrag'), contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000002_Bauantrag.pdf' },
      { data: Buffer.from('%PDF-1.7 Lageplan'), contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000003_Lageplan_Größe_Straße.pdf' },
      { data: Buffer.from('JPEG'), contentType: 'image/jpeg', filename: '00000000-0000-4000-8000-000000000004_Ansicht Süd.jpg' },
    ];

    async function sendXta(extra: Part[]): Promise<string> {
      const id = messageId();
      const plaintext = contentContainer({ data: t.xbau, contentType: 'application/xml', filename: 'antrag.xml' }, [...named(), ...extra]);
      const sent = await t.author.send({ meta: { author: t.parties.author.identifier, reader: t.parties.reader, messageId: id }, plaintext, certificatePem: t.readerCert, mtom: false });
      expect(sent.fault, sent.text).toBeUndefined();
      return id;
    }

    it.each(HOSTILE)('$what → red transport report with the reason, nothing delivered, the container kept', async (hostile) => {
      const id = await sendXta([{ data: hostile.content, contentType: hostile.mimeType, filename: hostile.filename, id: 'att-hostile' }]);
      const red = await waitFor('transport report', async () => {
        const r = await t.author.transportStatus(id);
        return r.status === 3 || r.status === 1 ? r : undefined;
      }, 60_000, 200);
      expect(red.status).toBe(3);
      expect(red.reply.text).toMatch(/DOCTYPE|DTD/);
      const row = (await t.hub.deps.journal.findByChannelRef('xta', id))!;
      expect(row.state).toBe('REJECTED');
      expect(row.problem).toMatchObject({ code: 'WEICHE_ERR_SYNTAX_VIOLATION', stage: 'open', part: 'attachment:att-hostile' });
      expect(await t.hub.deps.journal.listDeliveries(row.submissionId)).toEqual([]);
      const received = await t.hub.deps.channels.get(row.channel).record!(row);
      expect(received.received.length).toBeGreaterThan(0);
    }, 90_000);

    it('SVG, XML and UTF-16 XML without a DTD, a PDF with `<!DOCTYPE` further in and an HTML5 page → green report, delivered byte for byte', async () => {
      const id = await sendXta(CLEAN.map((c, i) => ({ data: c.content, contentType: c.mimeType, filename: c.filename, id: `att-clean-${i}` })));
      await waitFor('green transport report', async () => {
        const r = await t.author.transportStatus(id);
        if (r.status === 3) throw new Error(`red report: ${r.reply.text}`);
        return r.status === 1 ? r : undefined;
      }, 60_000, 200);
      const row = (await t.hub.deps.journal.findByChannelRef('xta', id))!;
      const entries = await deliveredEntries(row.submissionId);
      for (const clean of CLEAN) expect(entries.some((e) => e.equals(clean.content)), clean.filename).toBe(true);
    }, 90_000);
  });

  it('logged every refusal by id and code, and none of the file names', () => {
    const text = logged.join('');
    expect(text).toContain('"msg":"submission rejected"');
    for (const name of [...HOSTILE, ...CLEAN].map((a) => a.filename)) expect(text).not.toContain(name);
    expect(text).not.toContain('Mustermann');
  });

  /** The test hub's FIT-Connect destination. */
  const destination = (): string => t.hub.deps.config.destinations[0]!.id;
});
