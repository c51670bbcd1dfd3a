import { create } from 'xmlbuilder2';
import { XDOMEA_NS, checkIds, invalid, kopfStart, vorgang, type XdomeaDocumentInput, type XdomeaExtension, type XdomeaFiling, type XdomeaParty } from './xdomea-common.js';
import { xmlText } from './xml-text.js';
import { vorgangContent } from './xdomea-0401.js';

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
  vorgangId: string;
  filing?: XdomeaFiling;
  /** Vorgang AllgemeineMetadaten/Federfuehrung, Vorgang/Kontakt, Kopf/Hinweis: as in 0401 (docs/delegation.md). */
  federfuehrung?: string;
  kontakte?: XdomeaParty[];
  hinweis?: string;
  extension?: XdomeaExtension;
  documents: XdomeaDocumentInput[];
  /** Schema cache holding the Dateiformat code list; default resolveSchemaCacheDir(). */
  cacheDir?: string;
}

/** Builds FVDaten.SGOAblegen.0605 with one SchriftgutobjektZumAblegen holding a Vorgang (Importbestaetigung literal 1, Stapel 0). */
export function buildXdomea0605(input: Xdomea0605Input): string {
  checkIds([input.prozessId, input.vorgangId], input.documents, '0605');
  if (Number.isNaN(input.createdAt.getTime())) throw invalid('createdAt is not a valid date', '0605');

  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele(XDOMEA_NS, 'xdomea:FVDaten.SGOAblegen.0605');
  const kopf = kopfStart(root, { ...input, messageType: '0605' });
  // NkKeineRueckmeldungFVDatenType: Empfangsbestaetigung precedes the fixed Importbestaetigung "1"
  // (the reverse of NkAbgabeType in 0401); xs:boolean flags written 1/0.
  kopf.ele(XDOMEA_NS, 'xdomea:Empfangsbestaetigung').txt('0');
  kopf.ele(XDOMEA_NS, 'xdomea:Importbestaetigung').txt('1');
  kopf.ele(XDOMEA_NS, 'xdomea:Erstellerkennung').txt(xmlText(input.erstellerkennung));
  kopf.ele(XDOMEA_NS, 'xdomea:Stapel').txt('0');

  const sgo = root.ele(XDOMEA_NS, 'xdomea:SchriftgutobjektZumAblegen');
  sgo.ele(XDOMEA_NS, 'xdomea:FachverfahrenObjektID').txt(xmlText(input.fachverfahrenObjektId));
  vorgang(sgo.ele(XDOMEA_NS, 'xdomea:Schriftgutobjekt'), vorgangContent(input));
  return doc.end({ prettyPrint: true });
}
