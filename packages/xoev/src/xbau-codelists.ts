// The code lists XBau 2.6 leaves open ("Typ 3": listURI and listVersionID go into the instance).
// Each one is pinned here to one published version; the codes the hub writes, or passes on from a
// form, are checked against that version, because code meanings differ between versions.
// Where each list comes from and how to move to a newer version: docs/xoev-content.md.
import mime from 'mime-types';
import { WeicheError, ErrorCode } from '@weiche/core';

/** One code list at one version, with the codes the hub accepts from it. */
export interface PinnedCodeList {
  readonly uri: string;
  readonly version: string;
  /** Code → name as published. */
  readonly codes: ReadonlyMap<string, string>;
}

function list(uri: string, version: string, codes: Record<string, string>): PinnedCodeList {
  return { uri, version, codes: new Map(Object.entries(codes)) };
}

/** KoSIT Verzeichnisdienst (bn-uq-g2g Code.VerzeichnisdienstType; listURI fixed by the schema, version not). */
export const VERZEICHNISDIENST = list('urn:xoev-de:kosit:codeliste:verzeichnisdienst', '2', {
  DVDV: 'Deutsches Verwaltungsdiensteverzeichnis',
});

/** XÖV Erreichbarkeit (kernmodul Code.Erreichbarkeit; listURI fixed, version not). */
export const ERREICHBARKEIT = list('urn:de:xoev:codeliste:erreichbarkeit', '3', {
  '01': 'E-Mail',
  '02': 'Telefon (Festnetz)',
  '03': 'Mobiltelefon',
  '04': 'Fax',
  '05': 'Instant Messenger',
  '06': 'Pager',
  '07': 'Sonstiges',
  '08': 'De-Mail',
  '09': 'Web',
});

/**
 * XBau Anlage Art (kernmodul Code.AnlageArt → anlageart). Two levels: whole hundreds are the general
 * entries, the others refine them (annotation of Code.AnlageArt in xbau-codes.xsd). Only the codes the
 * Bauantrag form offers are listed; a form code outside this table is refused, never passed on.
 */
export const ANLAGEN = list('urn:xoev-de:xbau:codeliste:anlagen', '3.0', {
  '0100': 'Nachweis der Bauvorlageberechtigung',
  '0200': 'Auszug aus dem Liegenschaftskataster',
  '0300': 'Lageplan',
  '0400': 'Bauzeichnungen',
  '0500': 'Baubeschreibung',
  '0600': 'Betriebsbeschreibung',
  '0700': 'Standsicherheitsnachweis',
  '0800': 'Brandschutznachweis',
  '0900': 'Nachweis Wärmeschutz und Energieeinsparung',
  '1000': 'Nachweis Schallschutz',
});

/** URI and version of the XBau MIME-Types list (kernmodul Code.XBau-MimeType); its codes are MIME types. */
export const MIMETYPES_LIST_URI = 'urn:xoev-de:xbau:codeliste:xbau-mimetypes';
export const MIMETYPES_LIST_VERSION = '1.0';

// IFC (BIM) types the XBau list names beside the IANA registry (annotation of MetadatenAnlage/mimeType).
const XBAU_EXTRA_MIMETYPES = new Set(['application/x-step', 'application/ifc', 'application/ifc+xml', 'application/ifc+zip']);

/** Every listVersionID the hub writes into XBau messages, per list URI (for tests and checks). */
export const PINNED_XBAU_LIST_VERSIONS: ReadonlyMap<string, string> = new Map([
  [VERZEICHNISDIENST.uri, VERZEICHNISDIENST.version],
  [ERREICHBARKEIT.uri, ERREICHBARKEIT.version],
  [ANLAGEN.uri, ANLAGEN.version],
  [MIMETYPES_LIST_URI, MIMETYPES_LIST_VERSION],
]);

/** True when `code` is a code of the pinned list. */
export function isPinnedCode(pinned: PinnedCodeList, code: string): boolean {
  return pinned.codes.has(code);
}

/** Throws UNPROCESSABLE naming the list when `code` is not in it (the code itself is no personal data). */
export function assertPinnedCode(pinned: PinnedCodeList, code: string, what: string): void {
  if (!pinned.codes.has(code)) {
    throw new WeicheError(ErrorCode.UNPROCESSABLE, `${what}: code ${JSON.stringify(code)} is not in ${pinned.uri} version ${pinned.version}`, { retryable: false });
  }
}

/** The MIME type as the XBau list spells it (lower case, no parameters), or undefined when it is no registered type. */
export function xbauMimeType(mimeType: string): string | undefined {
  const bare = mimeType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (XBAU_EXTRA_MIMETYPES.has(bare)) return bare;
  return mime.extension(bare) === false ? undefined : bare;
}
