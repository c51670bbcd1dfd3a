import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/env.js';
import { startXtaTestHub, type XtaTestHub } from '../support/xta-hub.js';
import { ACTIONS, contentContainer, envelope, messageId, messageMetaData, type Part } from '../support/xta-sender.js';

// The operator's limits.submissionBytes (plaintext: the message and its attachments together) bounds a sendMessage to
// the hub's own XTA server as it bounds the XTA upstream and FIT-Connect: well below the container limit here, so
// only it can refuse what the tests send. An encrypted container is judged by its ciphertext, which may be the parts
// in base64 plus 64 KiB of XML (submission-limit.ts).
const SUBMISSION_BYTES = 100_000;
const CONTAINER_BYTES = 1024 * 1024;

describe('XTA 2 server: limits.submissionBytes', () => {
  let t: XtaTestHub;

  beforeAll(async () => {
    t = await startXtaTestHub('xta-submission-limit', {
      maxContainerBytes: CONTAINER_BYTES,
      overrides: (raw) => {
        raw.limits = { ...(raw.limits as object | undefined), submissionBytes: SUBMISSION_BYTES };
        for (const reader of (raw.xta as { readers: Record<string, unknown>[] }).readers) reader.allowUnencrypted = true;
      },
    });
  }, 120_000);
  afterAll(() => t?.hub.stop());

  const meta = (id = messageId()) => ({ author: t.parties.author.identifier, reader: t.parties.reader, messageId: id });
  // an XBau application and the three files it names, `total` bytes together
  const parts = (total: number): [Part, Part[]] => {
    const third = Math.floor((total - t.xbau.length) / 3);
    const rest = total - t.xbau.length - 2 * third;
    return [
      { data: t.xbau, contentType: 'application/xml', filename: 'antrag.xml' },
      [
        { data: randomBytes(third), contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000002_Bauantrag.pdf' },
        { data: randomBytes(third), contentType: 'application/pdf', filename: '00000000-0000-4000-8000-000000000003_Lageplan_Größe_Straße.pdf' },
        { data: randomBytes(rest), contentType: 'image/jpeg', filename: '00000000-0000-4000-8000-000000000004_Ansicht Süd.jpg' },
      ],
    ];
  };
  /** sendMessage with a plain (unencrypted) container inline. */
  const sendPlain = (id: string, total: number) => {
    const container = contentContainer(...parts(total)).toString('utf8').replace(/^<\?xml[^>]*\?>/, '');
    return t.author.post('send', envelope(ACTIONS.sendMessage, `<xta:GenericContentContainer>${container}</xta:GenericContentContainer>`, messageMetaData(meta(id))));
  };
  const blobFiles = async (): Promise<string[]> =>
    (await readdir(t.hub.deps.blobs.root, { recursive: true })).filter((name) => !name.startsWith('tmp')).sort();

  it('refuses a message over the limit with 9023 at once and stores nothing of it', async () => {
    const before = await blobFiles();
    const plainId = messageId();
    const plain = await sendPlain(plainId, SUBMISSION_BYTES + 1);
    // sendMessage declares ParameterIsNotValidException: 9023 itself, a Sender fault
    expect([plain.status, plain.fault, plain.faultKind]).toEqual([400, '9023', 'ParameterIsNotValidException']);
    expect(plain.text).toContain(`limit of ${SUBMISSION_BYTES} bytes per submission`);
    // encrypted: 150 kB of parts are 200 kB of base64 in the ContentContainer, over what 100 kB may take encrypted
    const encryptedId = messageId();
    const encrypted = await t.author.send({ meta: meta(encryptedId), plaintext: contentContainer(...parts(150_000)), certificatePem: t.readerCert, mtom: true });
    expect([encrypted.status, encrypted.fault]).toEqual([400, '9023']);
    for (const id of [plainId, encryptedId]) expect(await t.hub.deps.journal.findByChannelRef('xta', id)).toBeUndefined();
    expect(await blobFiles()).toEqual(before);
    // the body bound is lowered to what such a message can need: a larger body is refused before it is parsed
    const body = await t.author.post('send', Buffer.alloc(1_500_000, 0x20));
    expect([body.status, body.fault]).toEqual([400, '9023']);
  });

  // the ciphertext of 100,001 bytes of parts is within what 100 kB may take encrypted: only opening it tells
  it('rejects an encrypted message whose parts are over the limit when it is opened: red transport report 9023', async () => {
    const id = messageId();
    const sent = await t.author.send({ meta: meta(id), plaintext: contentContainer(...parts(SUBMISSION_BYTES + 1)), certificatePem: t.readerCert, mtom: true });
    expect(sent.fault).toBeUndefined();
    // green (1) or red (3): the outcome
    const report = await waitFor('a final transport report', async () => {
      const r = await t.author.transportStatus(id);
      return r.status === 1 || r.status === 3 ? r : undefined;
    });
    expect(report.status).toBe(3);
    expect(report.reply.text).toContain('<code>9023</code>');
    expect(report.reply.text).toContain(`${SUBMISSION_BYTES} Bytes je Einreichung`);
  });

  it('takes a message of exactly the limit, plain or encrypted, and delivers it', async () => {
    const plainId = messageId();
    expect((await sendPlain(plainId, SUBMISSION_BYTES)).fault).toBeUndefined();
    const encryptedId = messageId();
    const sent = await t.author.send({ meta: meta(encryptedId), plaintext: contentContainer(...parts(SUBMISSION_BYTES)), certificatePem: t.readerCert, mtom: false });
    expect(sent.fault).toBeUndefined();
    for (const id of [plainId, encryptedId]) {
      await waitFor(`green transport report of ${id}`, async () => ((await t.author.transportStatus(id)).status === 1 ? true : undefined));
    }
  });
});
