import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSchemaCacheDir, sharedXsdValidator } from '@weiche/xoev';
import { eventNames, type SenderAttachment } from '../support/fit-connect-sender.js';
import { SERVICE } from '../support/test-config.js';
import { startXtaTestHub, type XtaTestHub } from '../support/xta-hub.js';
import { readZip } from '../support/zip.js';
import { waitForEvents, waitForState } from '../support/wait-for-events.js';

// Names a sender controls, through the real FIT-Connect intake to the DMS package: a file name of 100,000
// characters without a space (it ran the worker out of memory while the application PDF was laid out, and the
// job came back to crash the next worker) and names with U+FFFE/U+FFFF (the xdomea Dateiname, which cannot carry
// them, named no file of the package). Each must be delivered, XSD-valid, every Dateiname an entry of the ZIP.
describe('hostile file names through the FIT-Connect intake', () => {
  let t: XtaTestHub;

  beforeAll(async () => {
    t = await startXtaTestHub('hostile-names');
  }, 120_000);

  afterAll(async () => {
    await t?.hub.stop();
  });

  it('delivers a submission with a 100,000-character file name and names with U+FFFE/U+FFFF: XSD-valid, every Dateiname in the package', async () => {
    const pdf = (filename: string): SenderAttachment => ({ content: Buffer.from(`%PDF-1.4\n% ${randomUUID()}\n%%EOF\n`), filename, mimeType: 'application/pdf' });
    const attachments = [pdf(`${'N'.repeat(100_000)}.pdf`), pdf('Plan\ufffe.pdf'), pdf('\uffff')];
    const data = Buffer.from(JSON.stringify({ vorhaben: 'Gartenhaus', nummer: randomUUID() }));
    const sent = await t.hub.sender.send({ destinationId: t.hub.deps.config.destinations[0]!.id, serviceIdentifier: SERVICE, data, attachments });
    expect(sent.statuses.submit).toBe(202);
    const events = await waitForEvents(t.hub.sender, sent.caseId, 3, 90_000);
    expect(eventNames(events)).toEqual(['create-submission', 'submit-submission', 'accept-submission']);
    const row = await waitForState(t.hub.deps.journal, sent.submissionId, 'DELIVERED', 90_000);
    const entries = await readZip(join(t.parties.msgboxOutbox, row.outputs!['xdomea-3.1.0:0401']!.packageName));
    const message = entries.find((e) => e.name.endsWith('_Abgabe.Abgabe.0401.xml'))!.content.toString('utf8');
    const validator = await sharedXsdValidator({ cacheDir: resolveSchemaCacheDir(), standardId: 'xdomea-3.1.0' });
    expect(validator.validate(message)).toEqual({ valid: true, errors: [] });
    const named = [...message.matchAll(/<xdomea:Dateiname>([^<]+)<\/xdomea:Dateiname>/g)].map((m) => m[1]);
    expect(named).toHaveLength(5);
    expect(new Set(entries.map((e) => e.name))).toEqual(new Set([...named, entries.find((e) => e.name.endsWith('.xml'))!.name]));
    for (const e of entries) expect(Buffer.byteLength(e.name)).toBeLessThanOrEqual(255);
  }, 180_000);
});
