import { randomUUID } from 'node:crypto';
import { create } from 'xmlbuilder2';
import { XDOMEA_NS, checkIds, invalid, nachrichtentyp, party, vorgang, xmlText } from './xdomea-common.js';
import type { XdomeaDocumentInput, XdomeaParty } from './xdomea-0401.js';

/** Everything an FVDaten.SGOAblegen.0605 (a Fachverfahren files one Vorgang into the DMS) needs. */
export interface Xdomea0605Input {
  prozessId: string;
  createdAt: Date;
  sender: XdomeaParty;
  recipient: XdomeaParty;
  sendingSystem: { product: string; version: string };
  /** Erstellerkennung: who files the records (user or technical account of the sending system). */
  erstellerkennung: string;
  /** FachverfahrenObjektID: the sending system's own key of the object (e.g. the submission id). */
  fachverfahrenObjektId: string;
  subject: string;
  remarks?: string;
  vorgangId?: string;
  documents: XdomeaDocumentInput[];
  /** Schema cache holding the Dateiformat code list; default resolveSchemaCacheDir(). */
  cacheDir?: string;
}

/** Builds FVDaten.SGOAblegen.0605 with one SchriftgutobjektZumAblegen holding a Vorgang (Importbestaetigung literal 1, Stapel false). */
export function buildXdomea0605(input: Xdomea0605Input): string {
  const vorgangId = input.vorgangId ?? randomUUID();
  checkIds([input.prozessId, vorgangId], input.documents, '0605');
  if (Number.isNaN(input.createdAt.getTime())) throw invalid('createdAt is not a valid date', '0605');

  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele(XDOMEA_NS, 'xdomea:FVDaten.SGOAblegen.0605');
  const kopf = root.ele(XDOMEA_NS, 'xdomea:Kopf');
  kopf.ele(XDOMEA_NS, 'xdomea:ProzessID').txt(input.prozessId);
  nachrichtentyp(kopf, '0605');
  kopf.ele(XDOMEA_NS, 'xdomea:Erstellungszeitpunkt').txt(input.createdAt.toISOString());
  party(kopf, 'Absender', input.sender);
  party(kopf, 'Empfaenger', input.recipient);
  const system = kopf.ele(XDOMEA_NS, 'xdomea:SendendesSystem');
  system.ele(XDOMEA_NS, 'xdomea:Produktname').txt(xmlText(input.sendingSystem.product));
  system.ele(XDOMEA_NS, 'xdomea:Version').txt(xmlText(input.sendingSystem.version));
  // NkKeineRueckmeldungFVDatenType: Empfangsbestaetigung precedes the fixed Importbestaetigung "1"
  // (the reverse of NkAbgabeType in 0401).
  kopf.ele(XDOMEA_NS, 'xdomea:Empfangsbestaetigung').txt('false');
  kopf.ele(XDOMEA_NS, 'xdomea:Importbestaetigung').txt('1');
  kopf.ele(XDOMEA_NS, 'xdomea:Erstellerkennung').txt(xmlText(input.erstellerkennung));
  kopf.ele(XDOMEA_NS, 'xdomea:Stapel').txt('false');

  const sgo = root.ele(XDOMEA_NS, 'xdomea:SchriftgutobjektZumAblegen');
  sgo.ele(XDOMEA_NS, 'xdomea:FachverfahrenObjektID').txt(xmlText(input.fachverfahrenObjektId));
  vorgang(sgo.ele(XDOMEA_NS, 'xdomea:Schriftgutobjekt'), {
    vorgangId,
    subject: input.subject,
    ...(input.remarks === undefined ? {} : { remarks: input.remarks }),
    documents: input.documents,
    ...(input.cacheDir === undefined ? {} : { cacheDir: input.cacheDir }),
  });
  return doc.end({ prettyPrint: true });
}
