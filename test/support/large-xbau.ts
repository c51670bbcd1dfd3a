import { buildXbauAntrag0200 } from '@weiche/xoev';

/**
 * A valid XBau baugenehmigung.antrag.0200 of about `mib` MiB: an application by a community of heirs
 * (many Antragsteller, about 450 bytes each), referencing no file, so it needs no attachments.
 */
export function largeXbauAntrag(mib: number): Buffer {
  const persons = Math.ceil((mib * 1024 * 1024) / 450);
  const uuid = (i: number): string => `7d5b1a8e-2f44-4a3c-9b7e-${i.toString(16).padStart(12, '0')}`;
  return Buffer.from(
    buildXbauAntrag0200({
      nachrichtenUUID: uuid(0),
      createdAt: new Date('2026-11-30T04:00:00Z'),
      produkt: 'Weiche',
      produkthersteller: 'Weiche-Projekt',
      leser: { kennung: 'ags:05974028', name: 'Gemeinde Testhausen' },
      autor: { kennung: 'psw:01000001', name: 'Bauportal' },
      empfangendeStelle: { kennung: 'ags:05974028', name: 'Gemeinde Testhausen' },
      antragsteller: Array.from({ length: persons }, (_, i) => ({
        natuerlichePerson: { familienname: `Muster${i}`, vorname: 'Jürgen', anschrift: { strasse: 'Weg', hausnummer: String(i), postleitzahl: '48143', ort: 'Münster' } },
      })),
      bauvorhaben: { bezeichnung: 'Neubau Einfamilienhaus', grundstueck: { ort: 'Münster' } },
      anlagen: [],
    }),
  );
}
