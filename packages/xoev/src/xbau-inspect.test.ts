import { describe, expect, it } from 'vitest';
import { readXmlData } from './parse-xml.js';
import { buildXbauAntrag0200 } from './xbau-0200.js';
import { xbauMessageFacts } from './xbau-inspect.js';

const uuid = (i: number): string => `7d5b1a8e-2f44-4a3c-9b7e-${i.toString(16).padStart(12, '0')}`;

/** A parsed XBau 0200 with many Antragsteller and `files` referenced files. */
function parsedXbau(persons: number, files: number): unknown {
  const xml = buildXbauAntrag0200({
    nachrichtenUUID: uuid(0),
    createdAt: new Date('2026-11-30T04:00:00Z'),
    produkt: 'Weiche',
    produkthersteller: 'Weiche-Projekt',
    leser: { kennung: 'ags:05515000', name: 'Stadt Münster' },
    autor: { kennung: 'psw:01000001', name: 'Bauportal' },
    empfangendeStelle: { kennung: 'ags:05515000', name: 'Stadt Münster' },
    antragsteller: Array.from({ length: persons }, (_, i) => ({
      natuerlichePerson: { familienname: `Muster${i}`, vorname: 'Jürgen', anschrift: { strasse: 'Weg', hausnummer: String(i), postleitzahl: '48143', ort: 'Münster' } },
    })),
    bauvorhaben: { bezeichnung: 'Neubau Einfamilienhaus', grundstueck: { ort: 'Münster' } },
    anlagen: Array.from({ length: files }, (_, i) => ({ bezeichnung: `Anlage ${i}`, mimeType: 'application/pdf', sha256: 'ab'.repeat(32), dokumentId: uuid(i + 1), dateiname: `Plan-${i}.pdf` })),
  });
  return readXmlData(xml).view;
}

describe('xbauMessageFacts', () => {
  it('finds the nachrichtenUUID and every dateiname in document order', async () => {
    expect(await xbauMessageFacts(parsedXbau(2, 3))).toEqual({ nachrichtenUUID: uuid(0), dateinamen: ['Plan-0.pdf', 'Plan-1.pdf', 'Plan-2.pdf'] });
  });

  it('lets the event loop turn while it walks a large message (other submissions are not held up)', async () => {
    const parsed = parsedXbau(5_000, 2); // ~2 MiB of XML, ~80,000 nodes
    let turns = 0;
    let walking = true;
    const count = (): void => {
      turns++;
      if (walking) setImmediate(count);
    };
    setImmediate(count);
    const facts = await xbauMessageFacts(parsed);
    walking = false;
    expect(facts.dateinamen).toEqual(['Plan-0.pdf', 'Plan-1.pdf']);
    // walked in one piece, the loop would not turn once before the facts are there
    expect(turns).toBeGreaterThan(5);
  });
});
