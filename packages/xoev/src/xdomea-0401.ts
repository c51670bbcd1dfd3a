import { randomUUID } from 'node:crypto';
import { create } from 'xmlbuilder2';
import { XDOMEA_NS, checkIds, invalid, nachrichtentyp, party, vorgang, xmlText, type XdomeaDocumentInput, type XdomeaParty } from './xdomea-common.js';

export { XDOMEA_NS } from './xdomea-common.js';

/** An authority as it appears in the Kopf (Absender / Empfaenger). */
export type { XdomeaDocumentInput, XdomeaParty } from './xdomea-common.js';

/** Everything an Abgabe.Abgabe.0401 needs. */
export interface Xdomea0401Input {
  prozessId: string;
  createdAt: Date;
  sender: XdomeaParty;
  recipient: XdomeaParty;
  sendingSystem: { product: string; version: string };
  subject: string;
  remarks?: string;
  vorgangId?: string;
  documents: XdomeaDocumentInput[];
  /** Schema cache holding the Dateiformat code list; default resolveSchemaCacheDir(). */
  cacheDir?: string;
}

/** Builds Abgabe.Abgabe.0401 (xdomea prefix mandatory, Importbestaetigung literal 1, Format/Name with listVersionID 1.0, a fresh UUID per object). */
export function buildXdomea0401(input: Xdomea0401Input): string {
  const vorgangId = input.vorgangId ?? randomUUID();
  checkIds([input.prozessId, vorgangId], input.documents, '0401');
  if (Number.isNaN(input.createdAt.getTime())) throw invalid('createdAt is not a valid date', '0401');

  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele(XDOMEA_NS, 'xdomea:Abgabe.Abgabe.0401');

  const kopf = root.ele(XDOMEA_NS, 'xdomea:Kopf');
  kopf.ele(XDOMEA_NS, 'xdomea:ProzessID').txt(input.prozessId);
  nachrichtentyp(kopf, '0401');
  kopf.ele(XDOMEA_NS, 'xdomea:Erstellungszeitpunkt').txt(input.createdAt.toISOString());
  party(kopf, 'Absender', input.sender);
  party(kopf, 'Empfaenger', input.recipient);
  const system = kopf.ele(XDOMEA_NS, 'xdomea:SendendesSystem');
  system.ele(XDOMEA_NS, 'xdomea:Produktname').txt(xmlText(input.sendingSystem.product));
  system.ele(XDOMEA_NS, 'xdomea:Version').txt(xmlText(input.sendingSystem.version));
  // NkAbgabeType fixes Importbestaetigung to the literal "1"; "true" fails validation.
  kopf.ele(XDOMEA_NS, 'xdomea:Importbestaetigung').txt('1');
  kopf.ele(XDOMEA_NS, 'xdomea:Empfangsbestaetigung').txt('false');

  vorgang(root.ele(XDOMEA_NS, 'xdomea:Schriftgutobjekt'), {
    vorgangId,
    subject: input.subject,
    ...(input.remarks === undefined ? {} : { remarks: input.remarks }),
    documents: input.documents,
    ...(input.cacheDir === undefined ? {} : { cacheDir: input.cacheDir }),
  });
  return doc.end({ prettyPrint: true });
}
