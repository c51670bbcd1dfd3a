import { create } from 'xmlbuilder2';
import {
  XDOMEA_NS,
  checkIds,
  invalid,
  kopfStart,
  vorgang,
  type VorgangContent,
  type XdomeaDocumentInput,
  type XdomeaExtension,
  type XdomeaFiling,
  type XdomeaParty,
} from './xdomea-common.js';

export { XDOMEA_NS } from './xdomea-common.js';

export type { XdomeaDocumentInput, XdomeaExtension, XdomeaFiling, XdomeaFormatInput, XdomeaParty } from './xdomea-common.js';

/** Everything an Abgabe.Abgabe.0401 needs. */
export interface Xdomea0401Input {
  prozessId: string;
  createdAt: Date;
  sender: XdomeaParty;
  recipient: XdomeaParty;
  sendingSystem: { product: string; version: string };
  vorgangId: string;
  subject: string;
  filing?: XdomeaFiling;
  /** Vorgang AllgemeineMetadaten/Federfuehrung (the processing back office). */
  federfuehrung?: string;
  /** Vorgang/Kontakt entries (owning authority and back office of a delegation). */
  kontakte?: XdomeaParty[];
  /** Kopf/Hinweis. */
  hinweis?: string;
  extension?: XdomeaExtension;
  documents: XdomeaDocumentInput[];
  /** Empfangsbestaetigung: whether the DMS should also confirm receipt (0403); default no, as the schema recommends. */
  receiptConfirmation?: boolean;
  /** Schema cache holding the Dateiformat code list; default resolveSchemaCacheDir(). */
  cacheDir?: string;
}

/** The Vorgang part of a 0401/0605 input. */
export function vorgangContent(input: Pick<Xdomea0401Input, 'vorgangId' | 'subject' | 'filing' | 'federfuehrung' | 'kontakte' | 'extension' | 'documents' | 'cacheDir'>): VorgangContent {
  return {
    vorgangId: input.vorgangId,
    subject: input.subject,
    ...(input.filing === undefined ? {} : { filing: input.filing }),
    ...(input.federfuehrung === undefined ? {} : { federfuehrung: input.federfuehrung }),
    ...(input.kontakte === undefined ? {} : { kontakte: input.kontakte }),
    ...(input.extension === undefined ? {} : { extension: input.extension }),
    documents: input.documents,
    ...(input.cacheDir === undefined ? {} : { cacheDir: input.cacheDir }),
  };
}

/** Builds Abgabe.Abgabe.0401 (xdomea prefix mandatory, Importbestaetigung literal 1, flags 1/0, Format/Name with listVersionID 1.0, one UUID per object). */
export function buildXdomea0401(input: Xdomea0401Input): string {
  checkIds([input.prozessId, input.vorgangId], input.documents, '0401');
  if (Number.isNaN(input.createdAt.getTime())) throw invalid('createdAt is not a valid date', '0401');

  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele(XDOMEA_NS, 'xdomea:Abgabe.Abgabe.0401');
  const kopf = kopfStart(root, { ...input, messageType: '0401' });
  // NkAbgabeType fixes Importbestaetigung to "1"; xs:boolean flags are written 1/0 as the annotations document them.
  kopf.ele(XDOMEA_NS, 'xdomea:Importbestaetigung').txt('1');
  kopf.ele(XDOMEA_NS, 'xdomea:Empfangsbestaetigung').txt(input.receiptConfirmation ? '1' : '0');
  vorgang(root.ele(XDOMEA_NS, 'xdomea:Schriftgutobjekt'), vorgangContent(input));
  return doc.end({ prettyPrint: true });
}
