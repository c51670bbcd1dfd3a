import { sampleXbauAntrag0200 } from '@weiche/xoev/test-support';
import { addTenant } from './test-config.js';

/**
 * A valid XBau baugenehmigung.antrag.0200 of about `mib` MiB: an application by a community of heirs
 * (many Antragsteller, about 450 bytes each), referencing no file, so it needs no attachments.
 */
export function largeXbauAntrag(mib: number): Buffer {
  return Buffer.from(sampleXbauAntrag0200({ antragsteller: Math.ceil((mib * 1024 * 1024) / 450) }));
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
