import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { WeicheError, ErrorCode } from '@weiche/core';
import { ANLAGEN, ERREICHBARKEIT, MIMETYPES_LIST_URI, MIMETYPES_LIST_VERSION, VERZEICHNISDIENST, assertPinnedCode, xbauMimeType } from './xbau-codelists.js';
import { din91379Text, xbauDateiname } from './xbau-text.js';
import { xmlText } from './xml-text.js';

/** Target namespace of XBau 2.6 (xbau-nachrichten-baugenehmigung.xsd). */
export const XBAU_NS = 'http://www.xleitstelle.de/xbau/2/6';
/** Root element of the building-permit application. */
export const XBAU_ANTRAG_0200 = 'baugenehmigung.antrag.0200';
/** Code list of XBau message types (Code.XBauNachrichten, listVersionID fixed by the schema). */
const NACHRICHTEN_LIST_URI = 'urn:xoev-de:xbau:codeliste:xbau-nachrichten';
const NACHRICHTEN_LIST_VERSION = '4.0';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** An authority (bn-uq-g2g BehoerdeType): leser, autor, empfangendeStelle. */
export interface XbauBehoerde {
  /** Verzeichnisdienst code (pinned list VERZEICHNISDIENST); default `DVDV`. */
  verzeichnisdienst?: string;
  /** e.g. `ags:05515000` (prefix and key, colon-separated as the DVDV expects); never a placeholder. */
  kennung: string;
  name: string;
}

/** A postal address (kernmodul Anschrift / AnschriftGrundstueck share these fields). */
export interface XbauAnschrift {
  strasse?: string;
  hausnummer?: string;
  postleitzahl?: string;
  ort?: string;
  ortsteil?: string;
  zusatz?: string;
}

/** One communication channel; kanal is a code of the pinned Erreichbarkeit list. */
export interface XbauKommunikation {
  kanal: string;
  kennung: string;
}

/** A natural person (AmBauBeteiligtePerson). */
export interface XbauPerson {
  titel?: string;
  anrede?: string;
  familienname: string;
  vorname?: string;
  anschrift?: XbauAnschrift;
  kommunikation?: XbauKommunikation[];
}

/** An organisation (kernmodul Organisation). */
export interface XbauOrganisation {
  name: string;
  kurzbezeichnung?: string;
  anschrift?: XbauAnschrift;
  kommunikation?: XbauKommunikation[];
}

/** kernmodul Akteur: a person or an organisation. */
export type XbauAkteur = { natuerlichePerson: XbauPerson } | { organisation: XbauOrganisation };

/** A parcel in the cadastre (kernmodul KodierungFlurstueck): Gemarkung by number or name, Flur, Flurstück as Zähler/Nenner. */
export interface XbauFlurstueck {
  gemarkung?: { nummer: string } | { bezeichnung: string };
  flur?: string;
  zaehler?: string;
  nenner?: string;
}

/** What the message says about the project (xbau:Bauvorhaben, the subset the hub fills). */
export interface XbauBauvorhaben {
  bezeichnung?: string;
  grundstueck?: XbauAnschrift;
  flurstuecke?: XbauFlurstueck[];
  /** Only what no element of the schema can express (the XSD reserves weitereAngaben for that). */
  weitereAngaben?: string[];
}

/** One Anlage (MetadatenAnlageErweitert) referencing a file shipped beside the message. */
export interface XbauAnlage {
  bezeichnung?: string;
  /** YYYY-MM-DD */
  datum?: string;
  /** Code of the pinned XBau Anlagen list (e.g. `0300`). */
  anlageart?: string;
  /** MIME type of the file (Code.XBau-MimeType; mandatory by the annotation of MetadatenAnlage/mimeType). */
  mimeType: string;
  /** UUID of the document; written as `urn:uuid:<id>` (dokumentid is anyURI). */
  dokumentId: string;
  /** Package entry name; must already fit the kernmodul Dateiname pattern (see xbauDateiname). */
  dateiname: string;
  filesize?: number;
  /** SHA-256 of the file as shipped, lower-case hex (annotation of MetadatenAnhang/@hashValue). */
  sha256: string;
  wirdNachgereicht?: boolean;
}

/** Everything a baugenehmigung.antrag.0200 built by the hub carries. */
export interface XbauAntrag0200Input {
  nachrichtenUUID: string;
  createdAt: Date;
  produkt: string;
  produkthersteller: string;
  produktversion?: string;
  leser: XbauBehoerde;
  autor: XbauBehoerde;
  /** UUID the online service gave the application (referenzAntragsservice). */
  referenzAntragsservice?: string;
  empfangendeStelle?: XbauBehoerde;
  antragsteller: XbauAkteur[];
  bauvorhaben?: XbauBauvorhaben;
  anlagen: XbauAnlage[];
}

function invalid(message: string): WeicheError {
  return new WeicheError(ErrorCode.UNPROCESSABLE, `xbau ${XBAU_ANTRAG_0200}: ${message}`, { retryable: false });
}

// Children of kernmodul / basisnachricht types are unqualified (elementFormDefault="unqualified" in
// xbau-kernmodul-datentypen.xsd and xoev-basisnachricht-unqualified-g2g_1.1.xsd); elements declared in
// xbau-baukasten.xsd without form="unqualified" are in the XBau namespace.
function q(parent: XMLBuilder, name: string): XMLBuilder {
  return parent.ele(XBAU_NS, `xbau:${name}`);
}

function u(parent: XMLBuilder, name: string): XMLBuilder {
  return parent.ele(name);
}

function textEl(parent: XMLBuilder, name: string, value: string | undefined): void {
  if (value === undefined) return;
  const clean = din91379Text(value);
  if (clean !== '') u(parent, name).txt(clean);
}

function behoerde(el: XMLBuilder, b: XbauBehoerde): void {
  u(el, 'verzeichnisdienst').att('listURI', VERZEICHNISDIENST.uri).att('listVersionID', VERZEICHNISDIENST.version).ele('code').txt(b.verzeichnisdienst ?? 'DVDV');
  u(el, 'kennung').txt(din91379Text(b.kennung));
  u(el, 'name').txt(din91379Text(b.name));
}

function anschrift(el: XMLBuilder, a: XbauAnschrift): void {
  // Sequence order of kernmodul Anschrift and baukasten AnschriftGrundstueck (both: strasse … zusatz).
  textEl(el, 'strasse', a.strasse);
  textEl(el, 'hausnummer', a.hausnummer);
  textEl(el, 'postleitzahl', a.postleitzahl);
  textEl(el, 'ort', a.ort);
  textEl(el, 'ortsteil', a.ortsteil);
  textEl(el, 'zusatz', a.zusatz);
}

function kommunikation(parent: XMLBuilder, list: XbauKommunikation[] | undefined): void {
  for (const k of list ?? []) {
    const el = u(parent, 'kommunikation');
    u(el, 'kanal').att('listURI', ERREICHBARKEIT.uri).att('listVersionID', ERREICHBARKEIT.version).ele('code').txt(k.kanal);
    u(el, 'kennung').txt(din91379Text(k.kennung));
  }
}

function akteur(el: XMLBuilder, a: XbauAkteur): void {
  if ('natuerlichePerson' in a) {
    const p = a.natuerlichePerson;
    const np = u(el, 'natuerlichePerson');
    const name = u(np, 'name');
    textEl(name, 'titel', p.titel);
    textEl(name, 'anrede', p.anrede);
    textEl(u(name, 'familienname'), 'name', p.familienname);
    if (p.vorname !== undefined) textEl(u(name, 'vorname'), 'name', p.vorname);
    if (p.anschrift) anschrift(u(np, 'anschrift'), p.anschrift);
    kommunikation(np, p.kommunikation);
  } else {
    const o = a.organisation;
    const org = u(el, 'organisation');
    const name = u(org, 'name');
    textEl(name, 'name', o.name);
    textEl(name, 'kurzbezeichnung', o.kurzbezeichnung);
    if (o.anschrift) anschrift(u(org, 'anschrift'), o.anschrift);
    kommunikation(org, o.kommunikation);
  }
}

function flurstueck(el: XMLBuilder, f: XbauFlurstueck): void {
  // kernmodul KodierungFlurstueck: gemarkung (nummer | bezeichnung), flur, zaehler, nenner in this order.
  const k = u(el, 'kodierungFlurstueck');
  // form text (the mapping bounds its length only): xs:token takes any XML character, so only what XML 1.0
  // cannot carry goes (a control character in "flur" made the message not well-formed) and `&` is escaped
  if (f.gemarkung && 'nummer' in f.gemarkung) u(u(k, 'gemarkung'), 'nummer').txt(xmlText(f.gemarkung.nummer));
  else if (f.gemarkung) u(u(k, 'gemarkung'), 'bezeichnung').txt(din91379Text(f.gemarkung.bezeichnung));
  if (f.flur !== undefined) u(k, 'flur').txt(xmlText(f.flur));
  if (f.zaehler !== undefined) u(k, 'zaehler').txt(xmlText(f.zaehler));
  if (f.nenner !== undefined) u(k, 'nenner').txt(xmlText(f.nenner));
}

function checkBehoerde(b: XbauBehoerde, what: string): void {
  assertPinnedCode(VERZEICHNISDIENST, b.verzeichnisdienst ?? 'DVDV', `${what} verzeichnisdienst`);
  // A receiver routes its answers to this identity: an empty or placeholder one must never go out.
  if (!/^[a-z]+:[^\s:]+/i.test(b.kennung) || /:unbekannt$/i.test(b.kennung)) throw invalid(`${what} kennung is not a real authority identifier`);
}

function check(input: XbauAntrag0200Input): void {
  checkBehoerde(input.leser, 'leser');
  checkBehoerde(input.autor, 'autor');
  if (input.empfangendeStelle) checkBehoerde(input.empfangendeStelle, 'empfangendeStelle');
  for (const a of input.antragsteller) {
    const k = 'natuerlichePerson' in a ? a.natuerlichePerson.kommunikation : a.organisation.kommunikation;
    for (const c of k ?? []) assertPinnedCode(ERREICHBARKEIT, c.kanal, 'kommunikation kanal');
  }
  if (!UUID.test(input.nachrichtenUUID)) throw invalid('nachrichtenUUID is not a UUID');
  if (input.referenzAntragsservice !== undefined && !UUID.test(input.referenzAntragsservice)) throw invalid('referenzAntragsservice is not a UUID');
  if (Number.isNaN(input.createdAt.getTime())) throw invalid('createdAt is not a valid date');
  const names = input.anlagen.map((a) => a.dateiname);
  for (const n of names) if (xbauDateiname(n) !== n) throw invalid(`dateiname does not fit the XBau Dateiname pattern: ${n}`);
  if (new Set(names).size !== names.length) throw invalid('dateiname must be unique per message');
  for (const a of input.anlagen) {
    if (!UUID.test(a.dokumentId)) throw invalid(`dokumentId is not a UUID: ${a.dokumentId}`);
    // xs:date (XSD 1.0) has no year 0000
    if (a.datum !== undefined && !/^(?!0000)\d{4}-\d{2}-\d{2}$/.test(a.datum)) throw invalid('anlage datum is not YYYY-MM-DD from year 0001');
    if (a.anlageart !== undefined) assertPinnedCode(ANLAGEN, a.anlageart, 'anlageart');
    if (xbauMimeType(a.mimeType) === undefined) throw invalid(`mimeType is not a registered MIME type: ${a.mimeType}`);
    if (!/^[0-9a-f]{64}$/.test(a.sha256)) throw invalid('sha256 is not 64 lower-case hex digits');
  }
}

/** Builds XBau 2.6 baugenehmigung.antrag.0200 (nachrichtenkopf.g2g, referenzAntragsservice, empfangendeStelle, antragsteller, bauvorhaben, anlagen); text is fitted to DIN 91379 datatypeC. */
export function buildXbauAntrag0200(input: XbauAntrag0200Input): string {
  check(input);
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc
    .ele(XBAU_NS, `xbau:${XBAU_ANTRAG_0200}`)
    .att('produkt', din91379Text(input.produkt))
    .att('produkthersteller', din91379Text(input.produkthersteller));
  if (input.produktversion !== undefined) root.att('produktversion', din91379Text(input.produktversion));
  // Both attributes are fixed by Nachricht.G2G in xbau-baukasten.xsd, yet required.
  root.att('standard', 'XBau-Hochbau').att('version', '2.6');

  const kopf = u(root, 'nachrichtenkopf.g2g');
  const ident = u(kopf, 'identifikation.nachricht');
  u(ident, 'nachrichtenUUID').txt(input.nachrichtenUUID);
  u(ident, 'nachrichtentyp').att('listURI', NACHRICHTEN_LIST_URI).att('listVersionID', NACHRICHTEN_LIST_VERSION).ele('code').txt('0200');
  u(ident, 'erstellungszeitpunkt').txt(input.createdAt.toISOString());
  behoerde(u(kopf, 'leser'), input.leser);
  behoerde(u(kopf, 'autor'), input.autor);

  if (input.referenzAntragsservice !== undefined) u(q(root, 'referenzAntragsservice'), 'referenzAntragsservice').txt(input.referenzAntragsservice);
  if (input.empfangendeStelle) behoerde(q(root, 'empfangendeStelle'), input.empfangendeStelle);
  for (const a of input.antragsteller) akteur(q(root, 'antragsteller'), a);

  const bv = input.bauvorhaben;
  if (bv) {
    const el = q(root, 'bauvorhaben');
    if (bv.bezeichnung !== undefined) q(el, 'bezeichnungDesBauvorhabens').txt(din91379Text(bv.bezeichnung));
    const flurstuecke = bv.flurstuecke ?? [];
    if (bv.grundstueck || flurstuecke.length > 0) {
      // Baukasten Grundstueck: anschrift before flurstueck.
      const grundstueck = q(q(q(el, 'verortung'), 'baugrundstueck'), 'grundstueck');
      if (bv.grundstueck) anschrift(q(grundstueck, 'anschrift'), bv.grundstueck);
      for (const f of flurstuecke) flurstueck(q(grundstueck, 'flurstueck'), f);
    }
    for (const w of bv.weitereAngaben ?? []) q(el, 'weitereAngaben').txt(din91379Text(w));
  }

  if (input.anlagen.length > 0) {
    const anlagen = q(root, 'anlagen');
    for (const a of input.anlagen) {
      const el = u(anlagen, 'anlage');
      textEl(el, 'bezeichnung', a.bezeichnung);
      u(el, 'versionsnummer').txt('1');
      if (a.datum !== undefined) u(el, 'datum').txt(a.datum);
      if (a.anlageart !== undefined) u(el, 'anlageart').att('listURI', ANLAGEN.uri).att('listVersionID', ANLAGEN.version).ele('code').txt(a.anlageart);
      u(el, 'mimeType').att('listURI', MIMETYPES_LIST_URI).att('listVersionID', MIMETYPES_LIST_VERSION).ele('code').txt(xbauMimeType(a.mimeType) ?? '');
      const anhang = u(u(el, 'anhangOderVerlinkung'), 'anhang');
      if (a.filesize !== undefined && a.filesize > 0) anhang.att('filesize', String(a.filesize));
      anhang.att('hashValue', a.sha256);
      u(anhang, 'dokumentid').txt(`urn:uuid:${a.dokumentId.toLowerCase()}`);
      u(anhang, 'dateiname').txt(a.dateiname);
      // xs:boolean written 1/0, as the xÖV annotations document their flags.
      if (a.wirdNachgereicht !== undefined) q(el, 'wirdNachgereicht').txt(a.wirdNachgereicht ? '1' : '0');
    }
  }
  return doc.end({ prettyPrint: true });
}
