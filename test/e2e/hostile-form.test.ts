import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/env.js';
import { pdfText } from '../support/pdf-text.js';
import { SERVICE } from '../support/test-config.js';
import { accepted, waitForEvents } from '../support/wait-for-events.js';
import { startXtaTestHub, type XtaTestHub } from '../support/xta-hub.js';
import { readZip } from '../support/zip.js';

// A form a sender controls, through the real FIT-Connect intake to the DMS package: 10 MB of JSON in which a
// 2,000-character field name (the intake takes keys up to 2,048) labels each of 2,000 items of a 5,000-character
// value, 14 million characters to lay out (the application PDF took ~20 s of CPU for them on
// the processor's event loop) and a value nested 60 levels deep (the intake refuses more than 100; the PDF shows 32). It must
// be delivered with a shortened PDF that says where the complete data is, and that data file complete in the package.
describe('a hostile form through the FIT-Connect intake', () => {
  let t: XtaTestHub;

  beforeAll(async () => {
    t = await startXtaTestHub('hostile-form');
  }, 120_000);

  afterAll(async () => {
    await t?.hub.stop();
  });

  it('is delivered within a bounded CPU time, its PDF shortened and naming the data file, the data file complete', async () => {
    const name = 'Wohnhaus mit Garage und Carport auf dem Grundstück der Gemarkung Münster, Flur 12. '.repeat(125);
    const items = JSON.stringify(Array.from({ length: 2000 }, () => ({ wert: name.repeat(3).slice(0, 5000) })));
    const data = Buffer.from(`{"vorhaben":"Gartenhaus","tief":${'['.repeat(60)}1${']'.repeat(60)},${JSON.stringify(name.slice(0, 2000))}:${items}}`);
    // the hub runs in this process: its CPU time from sending to delivery (intake, mapping, package, delivery) took
    // ~2.3 s, and 11 s before the form part was bounded
    const start = process.cpuUsage();
    const sent = await t.hub.sender.send({ destinationId: t.hub.deps.config.destinations[0]!.id, serviceIdentifier: SERVICE, data, attachments: [] });
    expect(sent.statuses.submit).toBe(202);
    const row = await waitFor('DELIVERED', async () => {
      const current = await t.hub.deps.journal.getSubmission(sent.submissionId);
      if (current?.state === 'REJECTED' || current?.state === 'FAILED') throw new Error(`${current.state}: ${current.reason ?? ''}`);
      return current?.state === 'DELIVERED' ? current : undefined;
    }, 180_000, 250);
    const used = process.cpuUsage(start);
    expect((used.user + used.system) / 1000).toBeLessThan(10_000);
    // the accept event follows DELIVERED in a step of its own (tens of ms, more on a loaded machine): waited for, not read once
    await waitForEvents(t.hub.sender, sent.caseId, accepted);

    const entries = await readZip(join(t.parties.msgboxOutbox, row.outputs!['xdomea-3.1.0:0401']!.packageName));
    expect(entries.find((e) => e.name.endsWith('_fachdaten.json'))?.content.equals(data)).toBe(true);
    const text = await pdfText(entries.find((e) => e.name.endsWith('_Antrag.pdf'))!.content);
    expect(text).toContain('Hinweis: Die Antragsdaten sind hier gekürzt.');
    expect(text).toContain('vollständig stehen die Antragsdaten in der Datei „fachdaten.json“ (Strukturierte Antragsdaten, siehe Laufzettel).');
    expect(text).toContain('… (tiefer verschachtelt; vollständig in den strukturierten Antragsdaten)');
    expect(text).toContain('… (gekürzt: die weiteren Antragsdaten stehen in der Datei „fachdaten.json“');
    expect(text).toContain('Laufzettel');
  }, 240_000);
});
