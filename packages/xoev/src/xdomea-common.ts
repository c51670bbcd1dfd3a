// Building blocks shared by the xdomea 3.1.0 messages (0401, 0605); not part of the public barrel.
import { WeicheError, ErrorCode } from '@weiche/core';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { DATEIFORMAT_LIST_URI, DATEIFORMAT_LIST_VERSION, dateiformatCode, loadDateiformatList } from './dateiformat.js';

/** A party of an xdomea message (sender or recipient). */
export interface XdomeaParty {
  /** e.g. `ags:05515000` (prefix + key) or just the key. */
  behoerdenkennung: string;
  name: string;
  organisationseinheit?: string;
}

/** One primary file of the Vorgang. */
export interface XdomeaDocumentInput {
  id: string;
  title: string;
  /** Must start with a UUID: `<uuid>_<name>` (xdomea stringDateinameType). */
  fileName: string;
  originalName: string;
  mimeType: string;
  /** Version of the file format (Format/Version); "unbekannt" when the sender does not say. */
  version?: string;
}


/** Target namespace of xdomea 3.1.0. */
export const XDOMEA_NS = 'urn:xoev-de:xdomea:schema:3.1.0';
export const NACHRICHTENTYP_LIST_URI = 'urn:xoev-de:xdomea:codeliste:nachrichtentyp';
export const NACHRICHTENTYP_LIST_VERSION = '2.0';
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UUID_PREFIXED = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}_./;

// XML 1.0 forbids most C0 controls and lone surrogates; sender-supplied text must not break the message.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Removes characters XML 1.0 cannot carry. */
export function xmlText(value: string): string {
  return value.replace(INVALID_XML_CHARS, '');
}

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
  const kennung = el.ele(XDOMEA_NS, 'xdomea:Behoerdenkennung');
  const m = /^([a-z]+:)(.+)$/i.exec(p.behoerdenkennung);
  // BehoerdenkennungType: Behoerdenschluessel precedes Praefix (DVDV prefix such as "ags:").
  code(kennung.ele(XDOMEA_NS, 'xdomea:Behoerdenschluessel'), xmlText(m?.[2] ?? p.behoerdenkennung));
  if (m?.[1]) code(kennung.ele(XDOMEA_NS, 'xdomea:Praefix'), m[1]);
  el.ele(XDOMEA_NS, 'xdomea:Institution').ele(XDOMEA_NS, 'xdomea:Name').txt(xmlText(p.name));
  if (p.organisationseinheit !== undefined) {
    el.ele(XDOMEA_NS, 'xdomea:Organisationseinheit').ele(XDOMEA_NS, 'xdomea:Name').txt(xmlText(p.organisationseinheit));
  }
}

/** Checks UUIDs (unique, well-formed) and `<uuid>_` file names before anything is built. */
export function checkIds(ids: string[], documents: XdomeaDocumentInput[], messageType: string): void {
  const all = [...ids, ...documents.map((d) => d.id)];
  for (const id of all) if (!UUID.test(id)) throw invalid(`id is not a UUID: ${id}`, messageType);
  const lower = all.map((id) => id.toLowerCase());
  if (new Set(lower).size !== lower.length) throw invalid('ids must be unique (ProzessID, Vorgang and every Dokument)', messageType);
  const names = documents.map((d) => d.fileName);
  for (const n of names) if (!UUID_PREFIXED.test(n)) throw invalid(`Dateiname must start with "<uuid>_": ${n}`, messageType);
  if (new Set(names).size !== names.length) throw invalid('Dateiname must be unique per package', messageType);
}

/** What goes into one `Vorgang` (VorgangType). */
export interface VorgangContent {
  vorgangId: string;
  subject: string;
  remarks?: string;
  documents: XdomeaDocumentInput[];
  cacheDir?: string;
}

/** Appends a `Vorgang` with one `Dokument` per file (Format/Name with listVersionID 1.0). */
export function vorgang(parent: XMLBuilder, content: VorgangContent): void {
  const list = loadDateiformatList(content.cacheDir);
  const el = parent.ele(XDOMEA_NS, 'xdomea:Vorgang');
  el.ele(XDOMEA_NS, 'xdomea:Identifikation').ele(XDOMEA_NS, 'xdomea:ID').txt(content.vorgangId);
  const meta = el.ele(XDOMEA_NS, 'xdomea:AllgemeineMetadaten');
  meta.ele(XDOMEA_NS, 'xdomea:Betreff').txt(xmlText(content.subject));
  if (content.remarks !== undefined) meta.ele(XDOMEA_NS, 'xdomea:Bemerkung').txt(xmlText(content.remarks));

  content.documents.forEach((d, index) => {
    const dok = el.ele(XDOMEA_NS, 'xdomea:Dokument');
    const ident = dok.ele(XDOMEA_NS, 'xdomea:Identifikation');
    ident.ele(XDOMEA_NS, 'xdomea:ID').txt(d.id);
    ident.ele(XDOMEA_NS, 'xdomea:NummerImUebergeordnetenContainer').txt(String(index + 1));
    dok.ele(XDOMEA_NS, 'xdomea:AllgemeineMetadaten').ele(XDOMEA_NS, 'xdomea:Betreff').txt(xmlText(d.title));
    const version = dok.ele(XDOMEA_NS, 'xdomea:Version');
    version.ele(XDOMEA_NS, 'xdomea:Nummer').txt('1');
    const format = version.ele(XDOMEA_NS, 'xdomea:Format');
    const formatCode = dateiformatCode(d.mimeType, d.originalName || d.fileName, content.cacheDir === undefined ? {} : { cacheDir: content.cacheDir });
    // DateiformatCodeType: listVersionID is required (xdomea-Datentypen.xsd), unlike plain xoev-code.
    code(format.ele(XDOMEA_NS, 'xdomea:Name').att('listURI', DATEIFORMAT_LIST_URI).att('listVersionID', DATEIFORMAT_LIST_VERSION), formatCode);
    if (formatCode === list.otherCode) format.ele(XDOMEA_NS, 'xdomea:SonstigerName').txt(xmlText(d.mimeType));
    format.ele(XDOMEA_NS, 'xdomea:Version').txt(xmlText(d.version ?? 'unbekannt'));
    const primaer = format.ele(XDOMEA_NS, 'xdomea:Primaerdokument');
    primaer.ele(XDOMEA_NS, 'xdomea:Dateiname').txt(xmlText(d.fileName));
    primaer.ele(XDOMEA_NS, 'xdomea:DateinameOriginal').txt(xmlText(d.originalName));
  });
}
