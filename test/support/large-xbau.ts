import { buildXbauAntrag0200 } from '@weiche/xoev';
import { addTenant } from './test-config.js';

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

/** The schema URI the XBau tenant's destination offers for XML data. */
export const XBAU_SCHEMA = 'urn:xoev-de:xleitstelle:standard:xbau:2.6';

/**
 * Config overrides (writeTestConfig): a second tenant, a Bauaufsicht whose destination takes XBau messages as XML
 * data and routes them through xbau-passthrough to the DMS folder; the first tenant keeps generic xdomea. Returns
 * the Bauaufsicht's destination id.
 */
export function addXbauTenant(raw: Record<string, unknown>, dir: string): string {
  const bauamt = addTenant(raw, dir, { id: 'bauamt', name: 'Bauaufsicht Testhausen', behoerdenkennung: 'ags:05974029' });
  const destinations = raw.destinations as Array<{ id: string; services: Array<{ submissionSchemas: unknown[] }> }>;
  destinations.find((d) => d.id === bauamt)!.services[0]!.submissionSchemas = [{ schemaUri: XBAU_SCHEMA, mimeType: 'application/xml' }];
  raw.routes = [
    { id: 'to-dms', tenant: 'testhausen', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms' },
    { id: 'xbau-dms', tenant: 'bauamt', service: '*', target: 'xbau-2.6:baugenehmigung.antrag.0200', adapter: 'dms' },
  ];
  return bauamt;
}

/** SendOptions.tamper.metadata: declares the data as an XBau message (XML) instead of the test sender's JSON. */
export function declareXbauData(metadata: Record<string, unknown>): Record<string, unknown> {
  const structure = metadata.contentStructure as { data: object };
  return { ...metadata, contentStructure: { ...structure, data: { ...structure.data, submissionSchema: { schemaUri: XBAU_SCHEMA, mimeType: 'application/xml' } } } };
}
