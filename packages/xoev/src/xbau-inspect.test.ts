import { describe, expect, it } from 'vitest';
import { readXmlData } from './parse-xml.js';
import { loopTurnsDuring, sampleXbauAntrag0200 } from './test-support.js';
import { xbauMessageFacts } from './xbau-inspect.js';

/** A parsed XBau 0200 with many Antragsteller and `files` referenced files. */
const parsedXbau = (persons: number, files: number): unknown => readXmlData(sampleXbauAntrag0200({ antragsteller: persons, anlagen: files })).view;

describe('xbauMessageFacts', () => {
  it('finds the nachrichtenUUID and every dateiname in document order', async () => {
    expect(await xbauMessageFacts(parsedXbau(2, 3))).toEqual({ nachrichtenUUID: '7d5b1a8e-2f44-4a3c-9b7e-000000000000', dateinamen: ['Plan-0.pdf', 'Plan-1.pdf', 'Plan-2.pdf'] });
  });

  it('lets the event loop turn while it walks a large message (other submissions are not held up)', async () => {
    const parsed = parsedXbau(5_000, 2); // ~2 MiB of XML, ~80,000 nodes
    const { result: facts, turns } = await loopTurnsDuring(() => xbauMessageFacts(parsed));
    expect(facts.dateinamen).toEqual(['Plan-0.pdf', 'Plan-1.pdf']);
    // walked in one piece, the loop would not turn once before the facts are there
    expect(turns).toBeGreaterThan(5);
  });
});
