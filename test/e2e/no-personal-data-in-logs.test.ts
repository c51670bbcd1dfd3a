import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterFactory } from '@weiche/adapter-sdk';
import { createLogger } from '@weiche/hub';
import { BAUANTRAG_SCHEMA_URI } from '@weiche/mapping-bauantrag-xbau';
import { REFUSED_PORT, tempDir, waitFor } from '../support/env.js';
import { eventNames } from '../support/fit-connect-sender.js';
import { SERVICE } from '../support/test-config.js';
import { unpackingAdapter } from '../support/unpacking-adapter.js';
import { startXtaTestHub, type XtaTestHub } from '../support/xta-hub.js';
import { contentContainer, envelope, ACTIONS, messageId, XBAU_SERVICE, type Part } from '../support/xta-sender.js';
import { waitForEvents, waitForState } from '../support/wait-for-events.js';

// "Personal data never reaches logs", whatever fails. Every value a citizen or a sender controls — names,
// addresses, e-mail, form values and keys, attachment file names, the sender's reference, XBau content — carries
// one marker; the submissions then fail in every way the hub meets in practice (a DMS folder it cannot write,
// a Fachverfahren answering 500 with the application echoed, a third party's adapter whose errors and health check
// quote paths named after the documents, a form the mapping refuses, JSON, XML and metadata that do not parse or fit,
// a callback receiver that is down or whose host name carries the marker, an XTA server whose faults quote what it
// refuses, requests and ids that do not fit the API), through FIT-Connect and XTA. The hub logs at its lowest level
// into the test; the marker must appear nowhere in it, in any case (a host name is lower-cased). Ids, codes, errno,
// sizes and hashes may.
const MARKER = `Erika${randomUUID().replace(/-/g, '')}`;
const BAU_SERVICE = 'urn:de:fim:leika:leistung:99010003001099';
/**
 * One service per failing adapter instance, each with one route: a submission dead-lettered on one route is not
 * delivered on its others, so each kind of failure gets a submission of its own. `reason`: what the journal keeps.
 */
const FAILING = [
  { adapter: 'dms-broken', service: SERVICE, reason: /ENOTDIR/, what: 'DMS folder not writable' },
  { adapter: 'fv-echo', service: 'urn:de:fim:leika:leistung:99010003001091', reason: /HTTP 500/, what: 'Fachverfahren answering 500 with the application echoed' },
  { adapter: 'unpack-raw', service: 'urn:de:fim:leika:leistung:99010003001092', reason: new RegExp(`ENOTDIR.*${MARKER}`), what: "a third party's adapter throwing Node's error with the path" },
  { adapter: 'unpack-refuse', service: 'urn:de:fim:leika:leistung:99010003001093', reason: new RegExp(`refused.*${MARKER}`), what: "a third party's adapter quoting the file name in a permanent error" },
] as const;

/** A Fachverfahren that refuses everything with 500 and quotes the application in its answer, as some do. */
async function echoingFachverfahren(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'x-error': `Antragsteller ${MARKER} unbekannt` });
      res.end(`Fehler beim Import: Antrag von ${MARKER}, ${MARKER}@example.org, Musterstraße 1 (${MARKER}_Personalausweis.pdf) abgelehnt`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/import` };
}

/**
 * An XTA server that refuses every call with a PermissionDenied fault whose reason quotes the message it refuses,
 * as some intermediaries answer: "Nachricht von <name> …" (the hub polls its box as an XTA upstream).
 */
async function quotingXtaServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/soap+xml; charset=utf-8' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:xta="http://xoev.de/transport/xta/211">' +
          `<env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value></env:Code><env:Reason><env:Text xml:lang="de">Nachricht von ${MARKER} (${MARKER}@example.org) abgelehnt: Konto gesperrt</env:Text></env:Reason>` +
          '<env:Detail><xta:PermissionDeniedException><xta:errorCode listURI="urn:de:xta:webservice:codeliste:fehlernummer" listVersionID="1.0"><code>9012</code></xta:errorCode></xta:PermissionDeniedException></env:Detail></env:Fault></env:Body></env:Envelope>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('no personal data in the hub log, whatever fails', () => {
  let t: XtaTestHub;
  let fachverfahren: { server: Server; url: string };
  let xtaServer: { server: Server; url: string };
  const logged: string[] = [];

  beforeAll(async () => {
    fachverfahren = await echoingFachverfahren();
    xtaServer = await quotingXtaServer();
    // a DMS folder below a plain file: every write fails (ENOTDIR), as on a share replaced by a file
    const broken = await tempDir('privacy-broken-dms');
    await writeFile(join(broken, 'not-a-folder'), 'x');
    t = await startXtaTestHub('privacy-logs', {
      log: createLogger({ level: 'trace', destination: { write: (line: string) => void logged.push(line) } }),
      adapterKinds: [unpackingAdapter as AdapterFactory<unknown>],
      overrides: (raw) => {
        const retry = { attempts: 2, backoffMs: 50, maxBackoffMs: 100 };
        // checked every second: once an import failed, the adapter's health check quotes it
        const health = { intervalMs: 1000, timeoutMs: 5000 };
        (raw.adapters as unknown[]).push(
          { id: 'dms-broken', kind: 'dms-folder', config: { path: join(broken, 'not-a-folder', 'dms') }, retry },
          { id: 'fv-echo', kind: 'http', config: { url: fachverfahren.url, secret: 'fachverfahren-shared-secret-123', mode: 'zip', timeoutMs: 5000 }, retry },
          // a third party's adapter whose errors carry the file names of the documents it unpacks
          { id: 'unpack-raw', kind: 'unpack-folder', config: { path: join(broken, 'not-a-folder', 'import'), onError: 'throw' }, retry, health },
          { id: 'unpack-refuse', kind: 'unpack-folder', config: { path: join(broken, 'not-a-folder', 'import'), onError: 'refuse' }, retry, health },
        );
        const destination = (raw.destinations as Array<{ services: unknown[] }>)[0]!;
        destination.services.push({ identifier: BAU_SERVICE, name: 'Bauantrag', submissionSchemas: [{ schemaUri: BAUANTRAG_SCHEMA_URI, mimeType: 'application/json' }] });
        for (const f of FAILING.filter((f) => f.service !== SERVICE)) {
          destination.services.push({ identifier: f.service, name: f.what, submissionSchemas: [{ schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' }] });
        }
        raw.routes = [
          ...FAILING.map((f) => ({ id: `fc-${f.adapter}`, tenant: 'testhausen', service: f.service, target: 'xdomea-3.1.0:0401', adapter: f.adapter })),
          { id: 'bau-http', tenant: 'testhausen', service: BAU_SERVICE, target: 'xbau-2.6:baugenehmigung.antrag.0200', adapter: 'fv-echo' },
          { id: 'xta-unpack-raw', tenant: 'testhausen', service: XBAU_SERVICE, target: 'xdomea-3.1.0:0401', adapter: 'unpack-raw' },
        ];
        const reader = (raw.xta as { readers: Array<{ identifier: string }> }).readers[0]!.identifier;
        raw.upstreams = {
          ...(raw.upstreams as object | undefined),
          xta: [{ id: 'rz-quoting', tenant: 'testhausen', reader, managementUrl: `${xtaServer.url}/management`, msgBoxUrl: `${xtaServer.url}/msgbox`, auth: { token: randomUUID().replace(/-/g, '') }, pollIntervalMs: 500 }],
        };
      },
    });
  }, 120_000);

  afterAll(async () => {
    await t?.hub.stop();
    await new Promise((resolve) => fachverfahren?.server.close(resolve));
    await new Promise((resolve) => xtaServer?.server.close(resolve));
  });

  const destination = (): string => t.hub.deps.config.destinations[0]!.id;
  const person = { name: `${MARKER} Mustermann`, vorname: MARKER, anschrift: { strasse: `${MARKER}straße 1`, ort: 'Testhausen' }, email: `${MARKER}@example.org` };
  const attachment = (filename: string) => ({ content: Buffer.from(`%PDF-1.4\n% ${MARKER}\n%%EOF\n`), filename, mimeType: 'application/pdf' });

  describe('FIT-Connect', () => {
    it.each(FAILING)('a submission whose delivery fails ($what) → FAILED, the reason in the journal', async (failing) => {
      const data = Buffer.from(JSON.stringify({ antragsteller: person, [`feld_${MARKER}`]: MARKER, bemerkung: `Bitte an ${MARKER} wenden` }));
      const sent = await t.hub.sender.send({
        destinationId: destination(),
        serviceIdentifier: failing.service,
        serviceName: `Leistung für ${MARKER}`,
        data,
        senderReference: `Az-${MARKER}`,
        attachments: [attachment(`Mustermann_${MARKER}_Personalausweis.pdf`), attachment(`${MARKER}.pdf`)],
      });
      expect(sent.statuses.submit).toBe(202);
      await waitForState(t.hub.deps.journal, sent.submissionId, 'FAILED', 90_000);
      // the operator's view keeps what failed, in the adapter's words: the console is access-controlled, the log is not
      const attempts = await t.hub.deps.journal.listAttempts(sent.submissionId);
      expect(attempts.map((a) => a.error).join('\n')).toMatch(failing.reason);
    }, 120_000);

    it('a callback to a receiver that is down, the marker in its path and query → attempts fail', async () => {
      const callback = { url: `https://127.0.0.1:${REFUSED_PORT}/${MARKER}?antragsteller=${MARKER}`, secret: randomUUID().replace(/-/g, '') };
      const sent = await t.hub.sender.send({ destinationId: destination(), serviceIdentifier: SERVICE, data: Buffer.from(JSON.stringify({ name: MARKER })), callback });
      expect(sent.statuses.submit).toBe(202);
      await waitFor('a failed callback attempt', async () => logged.some((line) => line.includes('callback attempt failed')), 60_000, 100);
    }, 90_000);

    it('a callback to a host named with the marker that does not resolve → attempts fail', async () => {
      const callback = { url: `https://${MARKER}.invalid/callback`, secret: randomUUID().replace(/-/g, '') };
      const sent = await t.hub.sender.send({ destinationId: destination(), serviceIdentifier: SERVICE, data: Buffer.from(JSON.stringify({ name: MARKER })), callback });
      expect(sent.statuses.submit).toBe(202);
      // the operator's callback list (admin API) keeps the host the attempt failed on
      const owed = await waitFor('a failed callback attempt on the host', async () => {
        const page = await t.hub.deps.callbacks.list({ submissionId: sent.submissionId, limit: 10, offset: 0 });
        return page.items.find((c) => c.lastError !== null);
      }, 60_000, 100);
      expect(owed.lastError).toMatch(new RegExp(`${MARKER}.*ENOTFOUND`, 'i'));
      await waitFor('its attempt logged', async () => logged.some((line) => line.includes('callback attempt failed') && line.includes('ENOTFOUND')), 30_000, 100);
    }, 90_000);

    it('JSON data that does not parse → reject-submission', async () => {
      const sent = await t.hub.sender.send({ destinationId: destination(), serviceIdentifier: SERVICE, data: Buffer.from(`{"name": "${MARKER}", "ort": ${MARKER}}`) });
      expect(sent.statuses.submit).toBe(202);
      expect(eventNames(await waitForEvents(t.hub.sender, sent.caseId, 3, 60_000))).toContain('reject-submission');
    }, 90_000);

    it('a Bauantrag the mapping refuses (wrong types, unknown keys, all with the marker) → reject-submission', async () => {
      const data = Buffer.from(JSON.stringify({ bauherr: MARKER, antragsteller: { ...person, geburtsdatum: MARKER }, vorhaben: { bezeichnung: 42, [MARKER]: MARKER }, [MARKER]: [MARKER] }));
      const sent = await t.hub.sender.send({ destinationId: destination(), serviceIdentifier: BAU_SERVICE, schemaUri: BAUANTRAG_SCHEMA_URI, data });
      expect(sent.statuses.submit).toBe(202);
      expect(eventNames(await waitForEvents(t.hub.sender, sent.caseId, 3, 60_000))).toContain('reject-submission');
    }, 90_000);

    it('metadata that breaks its schema with the marker in its values → reject-submission', async () => {
      const sent = await t.hub.sender.send({
        destinationId: destination(),
        serviceIdentifier: SERVICE,
        data: Buffer.from(JSON.stringify({ name: MARKER })),
        attachments: [attachment(`${MARKER}.pdf`)],
        tamper: {
          metadata: (m) => {
            const structure = m.contentStructure as { attachments: Array<Record<string, unknown>> };
            structure.attachments[0]!.purpose = MARKER;
            structure.attachments[0]!.description = { [MARKER]: MARKER };
            return { ...m, additionalReferenceInfo: { senderReference: MARKER, applicationDate: MARKER }, [MARKER]: MARKER };
          },
        },
      });
      expect(sent.statuses.submit).toBe(202);
      expect(eventNames(await waitForEvents(t.hub.sender, sent.caseId, 3, 60_000))).toContain('reject-submission');
    }, 90_000);

    it('requests that do not fit the API, with the marker in path, query, headers and body → problems', async () => {
      const token = await t.hub.sender.fetchToken();
      const auth = { authorization: `Bearer ${token}` };
      const answers = await Promise.all([
        fetch(`${t.hub.baseUrl}/v1/submissions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: `{"destinationId": "${MARKER}", "serviceType": ${MARKER}` }),
        fetch(`${t.hub.baseUrl}/v1/submissions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ destinationId: MARKER, serviceType: { identifier: MARKER, name: MARKER }, announcedAttachments: [MARKER] }) }),
        fetch(`${t.hub.baseUrl}/v1/submissions/${MARKER}?name=${MARKER}`, { headers: { ...auth, 'x-antragsteller': MARKER } }),
        fetch(`${t.hub.baseUrl}/v1/destinations/${MARKER}`, { headers: auth }),
        fetch(`${t.hub.baseUrl}/token?client_id=${MARKER}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=client_credentials&client_id=${MARKER}&client_secret=${MARKER}` }),
        fetch(`${t.hub.baseUrl}/v1/submissions/${randomUUID()}/attachments/${MARKER}`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/jose' }, body: `${MARKER}.${MARKER}.${MARKER}.${MARKER}.${MARKER}` }),
        fetch(`${t.hub.baseUrl}/v1/cases/${MARKER}/events`, { headers: auth }),
        fetch(`${t.hub.baseUrl}/v1/submissions/${randomUUID()}`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ encryptedMetadata: MARKER, encryptedData: MARKER }) }),
        fetch(`${t.hub.baseUrl}/admin/api/v1/submissions/${MARKER}?q=${MARKER}`, { headers: { authorization: `Bearer ${MARKER}` } }),
      ]);
      for (const answer of answers) expect(answer.status).toBeGreaterThanOrEqual(400);
      for (const answer of answers) expect(answer.status).toBeLessThan(500);
    });
  });

  describe('XTA', () => {
    /** The XBau sample with the applicant and two documents named by the marker; the container names the same files. */
    function xbauWithMarker(): { message: Buffer; documents: Part[] } {
      const xml = t.xbau.toString('utf8').replace(/Müßig-Größer/g, MARKER).replace(/Jürgen/g, MARKER).replace(/Lageplan_Größe_Straße/g, `Lageplan_${MARKER}`).replace(/Ansicht Süd/g, `Ansicht ${MARKER}`);
      return {
        message: Buffer.from(xml, 'utf8'),
        documents: [
          { data: Buffer.from(`%PDF-1.7 ${MARKER}`), contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000002_Bauantrag.pdf' },
          { data: Buffer.from(`%PDF-1.7 ${MARKER}`), contentType: 'application/pdf', filename: `00000000-0000-4000-8000-000000000003_Lageplan_${MARKER}.pdf` },
          { data: Buffer.from('JPEG'), contentType: 'image/jpeg', filename: `00000000-0000-4000-8000-000000000004_Ansicht ${MARKER}.jpg` },
        ],
      };
    }

    async function sendXta(message: Buffer, documents: readonly Part[]): Promise<string> {
      const id = messageId();
      const plaintext = contentContainer({ data: message, contentType: 'application/xml', filename: `Antrag_${MARKER}.xml` }, documents);
      const sent = await t.author.send({ meta: { author: t.parties.author.identifier, reader: t.parties.reader, messageId: id, subject: `Bauantrag ${MARKER}` }, plaintext, certificatePem: t.readerCert, mtom: false });
      expect(sent.fault, sent.text).toBeUndefined();
      return id;
    }

    const rowOf = (id: string) => waitFor('the journal row', async () => (await t.hub.deps.journal.findByChannelRef('xta', id)) ?? undefined, 30_000, 100);

    it("an XBau Bauantrag whose delivery fails (a third party's adapter throwing Node's error with the path) → FAILED", async () => {
      const { message, documents } = xbauWithMarker();
      const id = await sendXta(message, documents);
      const row = await rowOf(id);
      await waitForState(t.hub.deps.journal, row.submissionId, 'FAILED', 90_000);
      const attempts = await t.hub.deps.journal.listAttempts(row.submissionId);
      expect(attempts.map((a) => a.error).join('\n')).toMatch(new RegExp(`ENOTDIR.*${MARKER}`));
    }, 120_000);

    it('an XTA server whose faults quote the message they refuse → the poll fails, the fault text in the upstream record', async () => {
      const record = await waitFor('a failed poll of the quoting XTA server', async () => (await t.hub.deps.upstreams.records(['rz-quoting'], 3600)).get('rz-quoting')?.lastError, 60_000, 100);
      // the operator's upstream view (admin API) keeps the server's words
      expect(record.message).toContain(MARKER);
      await waitFor('the failed poll logged', async () => logged.some((line) => line.includes('xta upstream poll failed')), 30_000, 100);
    }, 90_000);

    it('XML data that does not parse → red transport report', async () => {
      const id = await sendXta(Buffer.from(`<?xml version="1.0"?><antrag><name>${MARKER}</name><ort ${MARKER}="${MARKER}"></antrag>`), [
        { data: Buffer.from(MARKER), contentType: 'application/pdf', filename: `${MARKER}.pdf` },
      ]);
      const report = await waitFor('a final transport report', async () => {
        const r = await t.author.transportStatus(id);
        return r.status === 3 || r.status === 1 ? r : undefined;
      }, 60_000, 200);
      expect(report.status).toBe(3);
    }, 90_000);

    it('SOAP requests that do not parse or fit, with the marker inside → faults', async () => {
      const broken = await t.author.post('send', `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><${MARKER}>${MARKER}</soap:Body>`);
      expect(broken.status).toBeGreaterThanOrEqual(400);
      const unknown = await t.author.post('send', envelope(ACTIONS.sendMessage, `<xta:GenericContentContainer><${MARKER}>${MARKER}</${MARKER}></xta:GenericContentContainer>`));
      expect(unknown.status).toBeGreaterThanOrEqual(400);
      // ids a sender may put anything into, asked after on every port
      const asked = [await t.author.transportStatus(MARKER), await t.author.getMessage(MARKER), await t.author.close(MARKER)];
      for (const { reply } of asked.map((a) => ('reply' in a ? a : { reply: a }))) expect(reply.fault, reply.text).toBeDefined();
    });
  });

  it("adapters whose health checks quote the failed import (thrown, and as the check's detail) → logged failing", async () => {
    const failing = (adapter: string) => logged.some((line) => line.includes('adapter health check failed') && line.includes(`"adapter":"${adapter}"`));
    await waitFor('both health checks logged failing', async () => failing('unpack-raw') && failing('unpack-refuse'), 30_000, 100);
  }, 60_000);

  it('logged ids and what kind of failure it was (adapter kind, code, errno), and the marker nowhere', () => {
    expect(logged.filter((line) => line.toLowerCase().includes(MARKER.toLowerCase()))).toEqual([]);
    const lines = logged.map((line) => JSON.parse(line) as Record<string, unknown>);
    const deadLetters = lines.filter((l) => l.msg === 'delivery dead-lettered: an operator can redeliver it');
    expect(deadLetters).toContainEqual(expect.objectContaining({ adapterKind: 'unpack-folder', code: 'WEICHE_ERR_DELIVERY_TRANSIENT', ending: 'attempts-exhausted', err: expect.objectContaining({ type: 'Error', errno: 'ENOTDIR', syscall: 'open' }) }));
    expect(deadLetters).toContainEqual(expect.objectContaining({ adapterKind: 'dms-folder', code: 'WEICHE_ERR_DELIVERY_PERMANENT', ending: 'permanent', err: expect.objectContaining({ type: 'PermanentDeliveryError', errno: 'ENOTDIR' }) }));
    expect(deadLetters).toContainEqual(expect.objectContaining({ adapterKind: 'http', ending: 'attempts-exhausted', err: expect.objectContaining({ type: 'TransientDeliveryError' }) }));
    expect(lines.some((l) => l.msg === 'submission rejected')).toBe(true);
    // the XTA server's fault by its number and exception, the failed health checks by instance, kind and errno
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'xta upstream poll failed', upstream: 'rz-quoting', failureKind: 'auth', fault: '9012', faultKind: 'PermissionDeniedException', err: expect.objectContaining({ type: 'XtaFault' }) }));
    const health = lines.filter((l) => l.msg === 'adapter health check failed');
    expect(health).toContainEqual(expect.objectContaining({ adapter: 'unpack-raw', adapterKind: 'unpack-folder', err: expect.objectContaining({ errno: 'ENOTDIR', syscall: 'open' }) }));
    expect(health).toContainEqual(expect.objectContaining({ adapter: 'unpack-refuse', adapterKind: 'unpack-folder' }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'callback attempt failed', err: expect.objectContaining({ type: 'CallbackPostError', errno: 'ENOTFOUND' }) }));
  });
});
