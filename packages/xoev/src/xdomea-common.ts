// Building blocks shared by the xdomea 3.1.0 messages (0401, 0605); not part of the public barrel.
import { WeicheError, ErrorCode } from '@weiche/core';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { xmlText } from './xml-text.js';
import { DATEIFORMAT_LIST_URI, DATEIFORMAT_LIST_VERSION, loadDateiformatList, type Dateiformat } from './dateiformat.js';

/** An authority as it appears in the Kopf (Absender / Empfaenger). */
export interface XdomeaParty {
  /** e.g. `ags:05515000` (prefix + key) or just the key; omitted (KontaktType allows it) when none is configured. */
  behoerdenkennung?: string;
  name: string;
  organisationseinheit?: string;
  /** KontaktType/Zustaendigkeit: the part the authority plays, e.g. "Zuständige Stelle" or "Bearbeitende Stelle". */
  zustaendigkeit?: string;
}

/** One rendering of a Dokument's content (Version/Format): the same document may come as PDF/A and as JSON. */
export interface XdomeaFormatInput {
  /** Must start with a UUID: `<uuid>_<name>` (xdomea stringDateinameType). */
  fileName: string;
  /** The sender's own file name (DateinameOriginal). */
  originalName: string;
  /** Format code, name and version as read from the content (dateiformatFor). */
  format: Dateiformat;
}

/** One Dokument of the Vorgang. */
export interface XdomeaDocumentInput {
  id: string;
  title: string;
  /** At least one; the first is the rendering a clerk opens. */
  formats: XdomeaFormatInput[];
  /** Posteingangsdatum (xs:date, YYYY-MM-DD): when the application reached the authority. */
  receivedOn?: string;
}

/** Where the DMS files the Vorgang (per tenant and service, from the config). */
export interface XdomeaFiling {
  /** AllgemeineMetadaten/Aktenplaneinheit/Kennzeichen. */
  aktenplaneinheit?: string;
  /** Vorgang/Typ. */
  vorgangstyp?: string;
}

/** AnwendungsspezifischeErweiterung: the hub's ids and URNs as named fields instead of free text in Bemerkung. */
export interface XdomeaExtension {
  kennung: string;
  name: string;
  version?: string;
  felder: Array<{ name: string; wert: string; beschreibung?: string }>;
}

/** Target namespace of xdomea 3.1.0. */
export const XDOMEA_NS = 'urn:xoev-de:xdomea:schema:3.1.0';
export const NACHRICHTENTYP_LIST_URI = 'urn:xoev-de:xdomea:codeliste:nachrichtentyp';
export const NACHRICHTENTYP_LIST_VERSION = '2.0';
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UUID_PREFIXED = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}_./;

/** UNPROCESSABLE error naming the message type. */
export function invalid(message: string, messageType: string): WeicheError {
  return new WeicheError(ErrorCode.UNPROCESSABLE, `xdomea ${messageType}: ${message}`, { retryable: false });
}

// xoev-code children `code`/`name` are unqualified (elementFormDefault of xoev-code.xsd), so they
// are created without a namespace.
/** Adds the unqualified xoev-code `code` child. */
export function code(parent: XMLBuilder, value: string): void {
  parent.ele('code').txt(value);
}

/** Adds `Nachrichtentyp` with the code list URI/version of xdomea 3.1.0. */
export function nachrichtentyp(kopf: XMLBuilder, value: string): void {
  code(kopf.ele(XDOMEA_NS, 'xdomea:Nachrichtentyp').att('listURI', NACHRICHTENTYP_LIST_URI).att('listVersionID', NACHRICHTENTYP_LIST_VERSION), value);
}

/** Adds an authority (Absender / Empfaenger, KontaktType). */
export function party(parent: XMLBuilder, name: string, p: XdomeaParty): void {
  const el = parent.ele(XDOMEA_NS, `xdomea:${name}`);
  if (p.behoerdenkennung !== undefined) {
    const kennung = el.ele(XDOMEA_NS, 'xdomea:Behoerdenkennung');
    const m = /^([a-z]+:)(.+)$/i.exec(p.behoerdenkennung);
    // BehoerdenkennungType: Behoerdenschluessel precedes Praefix (DVDV prefix such as "ags:").
    code(kennung.ele(XDOMEA_NS, 'xdomea:Behoerdenschluessel'), xmlText(m?.[2] ?? p.behoerdenkennung));
    if (m?.[1]) code(kennung.ele(XDOMEA_NS, 'xdomea:Praefix'), m[1]);
  }
  el.ele(XDOMEA_NS, 'xdomea:Institution').ele(XDOMEA_NS, 'xdomea:Name').txt(xmlText(p.name));
  if (p.organisationseinheit !== undefined) {
    el.ele(XDOMEA_NS, 'xdomea:Organisationseinheit').ele(XDOMEA_NS, 'xdomea:Name').txt(xmlText(p.organisationseinheit));
  }
  // KontaktType: Name and Taetigkeit (a person's) come between Organisationseinheit and Zustaendigkeit
  if (p.zustaendigkeit !== undefined) el.ele(XDOMEA_NS, 'xdomea:Zustaendigkeit').txt(xmlText(p.zustaendigkeit));
}

/** The Kopf up to SendendesSystem (NkBasisType), shared by 0401 and 0605; the caller appends the message's own flags. */
export function kopfStart(
  root: XMLBuilder,
  input: {
    prozessId: string;
    createdAt: Date;
    sender: XdomeaParty;
    recipient: XdomeaParty;
    sendingSystem: { product: string; version: string };
    messageType: string;
    /** Kopf/Hinweis: a note on the message, e.g. who processes it on the recipient's behalf. */
    hinweis?: string;
  },
): XMLBuilder {
  const kopf = root.ele(XDOMEA_NS, 'xdomea:Kopf');
  kopf.ele(XDOMEA_NS, 'xdomea:ProzessID').txt(input.prozessId);
  nachrichtentyp(kopf, input.messageType);
  kopf.ele(XDOMEA_NS, 'xdomea:Erstellungszeitpunkt').txt(input.createdAt.toISOString());
  party(kopf, 'Absender', input.sender);
  party(kopf, 'Empfaenger', input.recipient);
  const system = kopf.ele(XDOMEA_NS, 'xdomea:SendendesSystem');
  system.ele(XDOMEA_NS, 'xdomea:Produktname').txt(xmlText(input.sendingSystem.product));
  system.ele(XDOMEA_NS, 'xdomea:Version').txt(xmlText(input.sendingSystem.version));
  if (input.hinweis !== undefined) kopf.ele(XDOMEA_NS, 'xdomea:Hinweis').txt(xmlText(input.hinweis));
  return kopf;
}

/** Checks UUIDs (unique, well-formed), `<uuid>_` file names and at least one Format per Dokument before anything is built. */
export function checkIds(ids: string[], documents: XdomeaDocumentInput[], messageType: string): void {
  const all = [...ids, ...documents.map((d) => d.id)];
  for (const id of all) if (!UUID.test(id)) throw invalid(`id is not a UUID: ${id}`, messageType);
  const lower = all.map((id) => id.toLowerCase());
  if (new Set(lower).size !== lower.length) throw invalid('ids must be unique (ProzessID, Vorgang and every Dokument)', messageType);
  for (const d of documents) if (d.formats.length === 0) throw invalid(`Dokument ${d.id} has no Format`, messageType);
  const names = documents.flatMap((d) => d.formats.map((f) => f.fileName));
  for (const n of names) if (!UUID_PREFIXED.test(n)) throw invalid(`Dateiname must start with "<uuid>_": ${n}`, messageType);
  if (new Set(names).size !== names.length) throw invalid('Dateiname must be unique per package', messageType);
  for (const d of documents) {
    if (d.receivedOn !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(d.receivedOn)) throw invalid('Posteingangsdatum is not YYYY-MM-DD', messageType);
  }
}

/** What goes into one `Vorgang` (VorgangType). */
export interface VorgangContent {
  vorgangId: string;
  subject: string;
  filing?: XdomeaFiling;
  /** AllgemeineMetadaten/Federfuehrung: the organisation that leads the processing (a back office, docs/delegation.md). */
  federfuehrung?: string;
  /** Vorgang/Kontakt: the authorities involved, each with its Zustaendigkeit. */
  kontakte?: XdomeaParty[];
  extension?: XdomeaExtension;
  documents: XdomeaDocumentInput[];
  cacheDir?: string;
}

function extension(parent: XMLBuilder, ext: XdomeaExtension): void {
  // AnwendungsspezifischeErweiterungType: Kennung, Name, Beschreibung?, Versionsnummer?, …, Feld*.
  const el = parent.ele(XDOMEA_NS, 'xdomea:AnwendungsspezifischeErweiterung');
  el.ele(XDOMEA_NS, 'xdomea:Kennung').txt(xmlText(ext.kennung));
  el.ele(XDOMEA_NS, 'xdomea:Name').txt(xmlText(ext.name));
  if (ext.version !== undefined) el.ele(XDOMEA_NS, 'xdomea:Versionsnummer').txt(xmlText(ext.version));
  for (const f of ext.felder) {
    const feld = el.ele(XDOMEA_NS, 'xdomea:Feld');
    feld.ele(XDOMEA_NS, 'xdomea:Name').txt(xmlText(f.name));
    if (f.beschreibung !== undefined) feld.ele(XDOMEA_NS, 'xdomea:Beschreibung').txt(xmlText(f.beschreibung));
    feld.ele(XDOMEA_NS, 'xdomea:Wert').txt(xmlText(f.wert));
  }
}

/** Appends a `Vorgang`: filing metadata, one `Dokument` per document with one `Format` per rendering, and the hub's extension. */
export function vorgang(parent: XMLBuilder, content: VorgangContent): void {
  const list = loadDateiformatList(content.cacheDir);
  const el = parent.ele(XDOMEA_NS, 'xdomea:Vorgang');
  el.ele(XDOMEA_NS, 'xdomea:Identifikation').ele(XDOMEA_NS, 'xdomea:ID').txt(content.vorgangId);
  const meta = el.ele(XDOMEA_NS, 'xdomea:AllgemeineMetadaten');
  meta.ele(XDOMEA_NS, 'xdomea:Betreff').txt(xmlText(content.subject));
  if (content.federfuehrung !== undefined) meta.ele(XDOMEA_NS, 'xdomea:Federfuehrung').txt(xmlText(content.federfuehrung));
  if (content.filing?.aktenplaneinheit !== undefined) {
    meta.ele(XDOMEA_NS, 'xdomea:Aktenplaneinheit').ele(XDOMEA_NS, 'xdomea:Kennzeichen').txt(xmlText(content.filing.aktenplaneinheit));
  }
  if (content.filing?.vorgangstyp !== undefined) el.ele(XDOMEA_NS, 'xdomea:Typ').txt(xmlText(content.filing.vorgangstyp));

  content.documents.forEach((d, index) => {
    const dok = el.ele(XDOMEA_NS, 'xdomea:Dokument');
    const ident = dok.ele(XDOMEA_NS, 'xdomea:Identifikation');
    ident.ele(XDOMEA_NS, 'xdomea:ID').txt(d.id);
    ident.ele(XDOMEA_NS, 'xdomea:NummerImUebergeordnetenContainer').txt(String(index + 1));
    dok.ele(XDOMEA_NS, 'xdomea:AllgemeineMetadaten').ele(XDOMEA_NS, 'xdomea:Betreff').txt(xmlText(d.title));
    if (d.receivedOn !== undefined) dok.ele(XDOMEA_NS, 'xdomea:Posteingangsdatum').txt(d.receivedOn);
    const version = dok.ele(XDOMEA_NS, 'xdomea:Version');
    version.ele(XDOMEA_NS, 'xdomea:Nummer').txt('1');
    for (const f of d.formats) {
      if (!list.codes.has(f.format.code)) throw invalid(`Format code ${f.format.code} is not in the Dateiformat list`, 'Dokument');
      const format = version.ele(XDOMEA_NS, 'xdomea:Format');
      // DateiformatCodeType: listVersionID is required (xdomea-Datentypen.xsd), unlike plain xoev-code.
      code(format.ele(XDOMEA_NS, 'xdomea:Name').att('listURI', DATEIFORMAT_LIST_URI).att('listVersionID', DATEIFORMAT_LIST_VERSION), f.format.code);
      if (f.format.code === list.otherCode) format.ele(XDOMEA_NS, 'xdomea:SonstigerName').txt(xmlText(f.format.otherName ?? 'unbekannt'));
      format.ele(XDOMEA_NS, 'xdomea:Version').txt(xmlText(f.format.version));
      const primaer = format.ele(XDOMEA_NS, 'xdomea:Primaerdokument');
      primaer.ele(XDOMEA_NS, 'xdomea:Dateiname').txt(xmlText(f.fileName));
      primaer.ele(XDOMEA_NS, 'xdomea:DateinameOriginal').txt(xmlText(f.originalName));
    }
  });
  // VorgangType: Kontakt follows the Dokumente (and Verweise), before Teilvorgang and the extension
  for (const k of content.kontakte ?? []) party(el, 'Kontakt', k);
  if (content.extension) extension(el, content.extension);
}
