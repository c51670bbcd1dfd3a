import { randomUUID } from 'node:crypto';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { WeicheError, ErrorCode } from '@weiche/core';
import { DATEIFORMAT_LIST_URI, DATEIFORMAT_LIST_VERSION, dateiformatCode, loadDateiformatList } from './dateiformat.js';

/** Target namespace of xdomea 3.1.0. */
export const XDOMEA_NS = 'urn:xoev-de:xdomea:schema:3.1.0';
const NACHRICHTENTYP_LIST_URI = 'urn:xoev-de:xdomea:codeliste:nachrichtentyp';
const NACHRICHTENTYP_LIST_VERSION = '2.0';
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UUID_PREFIXED = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}_./;

/** An authority as it appears in the Kopf (Absender / Empfaenger). */
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

// XML 1.0 forbids most C0 controls and lone surrogates; sender-supplied text must not break the message.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function text(value: string): string {
  return value.replace(INVALID_XML_CHARS, '');
}

function invalid(message: string): WeicheError {
  return new WeicheError(ErrorCode.UNPROCESSABLE, `xdomea 0401: ${message}`, { retryable: false });
}

// xoev-code children `code`/`name` are unqualified (elementFormDefault of xoev-code.xsd), so they
// are created without a namespace.
function code(parent: XMLBuilder, value: string): void {
  parent.ele('code').txt(value);
}

function party(parent: XMLBuilder, name: string, p: XdomeaParty): void {
  const el = parent.ele(XDOMEA_NS, `xdomea:${name}`);
  const kennung = el.ele(XDOMEA_NS, 'xdomea:Behoerdenkennung');
  const m = /^([a-z]+:)(.+)$/i.exec(p.behoerdenkennung);
  // BehoerdenkennungType: Behoerdenschluessel precedes Praefix (DVDV prefix such as "ags:").
  code(kennung.ele(XDOMEA_NS, 'xdomea:Behoerdenschluessel'), text(m?.[2] ?? p.behoerdenkennung));
  if (m?.[1]) code(kennung.ele(XDOMEA_NS, 'xdomea:Praefix'), m[1]);
  el.ele(XDOMEA_NS, 'xdomea:Institution').ele(XDOMEA_NS, 'xdomea:Name').txt(text(p.name));
  if (p.organisationseinheit !== undefined) {
    el.ele(XDOMEA_NS, 'xdomea:Organisationseinheit').ele(XDOMEA_NS, 'xdomea:Name').txt(text(p.organisationseinheit));
  }
}

function checkIds(input: Xdomea0401Input, vorgangId: string): void {
  const ids = [input.prozessId, vorgangId, ...input.documents.map((d) => d.id)];
  for (const id of ids) if (!UUID.test(id)) throw invalid(`id is not a UUID: ${id}`);
  const lower = ids.map((id) => id.toLowerCase());
  if (new Set(lower).size !== lower.length) throw invalid('ids must be unique (ProzessID, Vorgang and every Dokument)');
  const names = input.documents.map((d) => d.fileName);
  for (const n of names) if (!UUID_PREFIXED.test(n)) throw invalid(`Dateiname must start with "<uuid>_": ${n}`);
  if (new Set(names).size !== names.length) throw invalid('Dateiname must be unique per package');
}

/** Builds Abgabe.Abgabe.0401 (xdomea prefix mandatory, Importbestaetigung literal 1, Format/Name with listVersionID 1.0, a fresh UUID per object). */
export function buildXdomea0401(input: Xdomea0401Input): string {
  const vorgangId = input.vorgangId ?? randomUUID();
  checkIds(input, vorgangId);
  if (Number.isNaN(input.createdAt.getTime())) throw invalid('createdAt is not a valid date');
  const list = loadDateiformatList(input.cacheDir);

  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele(XDOMEA_NS, 'xdomea:Abgabe.Abgabe.0401');

  const kopf = root.ele(XDOMEA_NS, 'xdomea:Kopf');
  kopf.ele(XDOMEA_NS, 'xdomea:ProzessID').txt(input.prozessId);
  const typ = kopf
    .ele(XDOMEA_NS, 'xdomea:Nachrichtentyp')
    .att('listURI', NACHRICHTENTYP_LIST_URI)
    .att('listVersionID', NACHRICHTENTYP_LIST_VERSION);
  code(typ, '0401');
  kopf.ele(XDOMEA_NS, 'xdomea:Erstellungszeitpunkt').txt(input.createdAt.toISOString());
  party(kopf, 'Absender', input.sender);
  party(kopf, 'Empfaenger', input.recipient);
  const system = kopf.ele(XDOMEA_NS, 'xdomea:SendendesSystem');
  system.ele(XDOMEA_NS, 'xdomea:Produktname').txt(text(input.sendingSystem.product));
  system.ele(XDOMEA_NS, 'xdomea:Version').txt(text(input.sendingSystem.version));
  // NkAbgabeType fixes Importbestaetigung to the literal "1"; "true" fails validation.
  kopf.ele(XDOMEA_NS, 'xdomea:Importbestaetigung').txt('1');
  kopf.ele(XDOMEA_NS, 'xdomea:Empfangsbestaetigung').txt('false');

  const vorgang = root.ele(XDOMEA_NS, 'xdomea:Schriftgutobjekt').ele(XDOMEA_NS, 'xdomea:Vorgang');
  vorgang.ele(XDOMEA_NS, 'xdomea:Identifikation').ele(XDOMEA_NS, 'xdomea:ID').txt(vorgangId);
  const meta = vorgang.ele(XDOMEA_NS, 'xdomea:AllgemeineMetadaten');
  meta.ele(XDOMEA_NS, 'xdomea:Betreff').txt(text(input.subject));
  if (input.remarks !== undefined) meta.ele(XDOMEA_NS, 'xdomea:Bemerkung').txt(text(input.remarks));

  input.documents.forEach((d, index) => {
    const dok = vorgang.ele(XDOMEA_NS, 'xdomea:Dokument');
    const ident = dok.ele(XDOMEA_NS, 'xdomea:Identifikation');
    ident.ele(XDOMEA_NS, 'xdomea:ID').txt(d.id);
    ident.ele(XDOMEA_NS, 'xdomea:NummerImUebergeordnetenContainer').txt(String(index + 1));
    dok.ele(XDOMEA_NS, 'xdomea:AllgemeineMetadaten').ele(XDOMEA_NS, 'xdomea:Betreff').txt(text(d.title));
    const version = dok.ele(XDOMEA_NS, 'xdomea:Version');
    version.ele(XDOMEA_NS, 'xdomea:Nummer').txt('1');
    const format = version.ele(XDOMEA_NS, 'xdomea:Format');
    const formatCode = dateiformatCode(d.mimeType, d.originalName || d.fileName, input.cacheDir === undefined ? {} : { cacheDir: input.cacheDir });
    // DateiformatCodeType: listVersionID is required (xdomea-Datentypen.xsd), unlike plain xoev-code.
    code(format.ele(XDOMEA_NS, 'xdomea:Name').att('listURI', DATEIFORMAT_LIST_URI).att('listVersionID', DATEIFORMAT_LIST_VERSION), formatCode);
    if (formatCode === list.otherCode) format.ele(XDOMEA_NS, 'xdomea:SonstigerName').txt(text(d.mimeType));
    format.ele(XDOMEA_NS, 'xdomea:Version').txt(text(d.version ?? 'unbekannt'));
    const primaer = format.ele(XDOMEA_NS, 'xdomea:Primaerdokument');
    primaer.ele(XDOMEA_NS, 'xdomea:Dateiname').txt(text(d.fileName));
    primaer.ele(XDOMEA_NS, 'xdomea:DateinameOriginal').txt(text(d.originalName));
  });

  return doc.end({ prettyPrint: true });
}
