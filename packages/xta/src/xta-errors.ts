import { WeicheError, ErrorCode } from '@weiche/core';

/** XTA exception elements of XTA-Webservice-Exceptions.xsd. */
export type XtaExceptionKind =
  | 'PermissionDeniedException'
  | 'ParameterIsNotValidException'
  | 'XTAWSTechnicalProblemException'
  | 'MessageSchemaViolationException'
  | 'MessageVirusDetectionException'
  | 'SyncAsyncException'
  | 'InvalidMessageIDException'
  | 'CancelDeniedException';

/** SOAP 1.2 fault code (Part 1 §5.4.6); VersionMismatch answers a SOAP 1.1 envelope, MustUnderstand an unknown mandatory header. */
export type SoapFaultCode = 'Sender' | 'Receiver' | 'VersionMismatch' | 'MustUnderstand';

interface CatalogueEntry {
  readonly code: string;
  readonly kind: XtaExceptionKind;
  /** Official name from the code list `urn:de:xta:webservice:codeliste:fehlernummer` 1.0. */
  readonly name: string;
}

// Code list urn:de:xta:webservice:codeliste:fehlernummer (XTA-Webservice-Datentypen.xsd,
// Codelist.Fehlernummer): each number belongs to exactly one exception.
/** The XTA error catalogue under stable names. */
export const XTA_ERRORS = {
  UNSPECIFIED: { code: '9000', kind: 'XTAWSTechnicalProblemException', name: 'Unspezifizierter Fehler' },
  CERTIFICATE_EXPIRED: { code: '9010', kind: 'PermissionDeniedException', name: 'Authentisierung/Zertifikat ist abgelaufen.' },
  ACCOUNT_LOCKED: { code: '9011', kind: 'PermissionDeniedException', name: 'Account ist gesperrt.' },
  ACCOUNT_UNKNOWN: { code: '9012', kind: 'PermissionDeniedException', name: 'Account nicht vorhanden.' },
  SERVICE_NOT_BOOKED: { code: '9013', kind: 'PermissionDeniedException', name: 'Dienst ist nicht gebucht.' },
  IDENTITY_MISMATCH: { code: '9014', kind: 'PermissionDeniedException', name: 'Authentisierung/Zertifikat passt nicht zur Absenderkennung.' },
  NO_PARAMETERS: { code: '9020', kind: 'ParameterIsNotValidException', name: 'Keine Parameter vorhanden' },
  INVALID_URI: { code: '9021', kind: 'ParameterIsNotValidException', name: 'Keine gültige URI' },
  INVALID_PARAMETER_COMBINATION: { code: '9022', kind: 'ParameterIsNotValidException', name: 'Ungültige Parameterkombination' },
  MESSAGE_TOO_LARGE: { code: '9023', kind: 'ParameterIsNotValidException', name: 'Die Nachricht überschreitet die Größenbeschränkung.' },
  MESSAGE_ID_IN_USE: { code: '9024', kind: 'ParameterIsNotValidException', name: 'MessageID ist bereits vergeben.' },
  INTERNAL_ERROR: { code: '9030', kind: 'XTAWSTechnicalProblemException', name: 'Interner Fehler beim XTA-Server bzw. XTA-Dienstleister' },
  DIRECTORY_ERROR: { code: '9031', kind: 'XTAWSTechnicalProblemException', name: 'Fehler beim externen Verzeichnisdienst' },
  DELIVERY_ERROR: { code: '9032', kind: 'XTAWSTechnicalProblemException', name: 'Fehler bei der Zustellung' },
  SCHEMA_VIOLATION: { code: '9050', kind: 'MessageSchemaViolationException', name: 'Fachnachricht ist nicht schemakonform' },
  WRONG_ENCODING: { code: '9051', kind: 'MessageSchemaViolationException', name: 'Fachnachricht trägt ein falsches Encoding.' },
  PROFILE_VIOLATION: { code: '9052', kind: 'MessageSchemaViolationException', name: 'Nachricht verletzt das entsprechende Service Profil.' },
  VIRUS_DETECTED: { code: '9060', kind: 'MessageVirusDetectionException', name: 'Es wurde schadhafter Code ermittelt.' },
  UNKNOWN_MESSAGE_ID: { code: '9070', kind: 'InvalidMessageIDException', name: 'MessageID für den Account nicht bekannt.' },
  ASYNC_ONLY: { code: '9080', kind: 'SyncAsyncException', name: 'Der Dienst wird nur asynchron angeboten.' },
  SYNC_ONLY: { code: '9081', kind: 'SyncAsyncException', name: 'Der Dienst wird nur synchron angeboten.' },
  NOT_BEFORE_PASSED: { code: '9100', kind: 'CancelDeniedException', name: 'Der durch den Schalter NotBefore gesetzte Termin ist verstrichen.' },
  NOT_BEFORE_NOT_SET: { code: '9101', kind: 'CancelDeniedException', name: 'Der Schalter NotBefore wurde nicht gesetzt.' },
} as const satisfies Record<string, CatalogueEntry>;

/** Stable name of a catalogue entry, e.g. `MESSAGE_TOO_LARGE`. */
export type XtaErrorName = keyof typeof XTA_ERRORS;

const byCode = new Map<string, CatalogueEntry>(Object.values(XTA_ERRORS).map((e) => [e.code, e]));

function weicheCodeFor(kind: XtaExceptionKind): ErrorCode {
  switch (kind) {
    case 'PermissionDeniedException':
      return ErrorCode.FORBIDDEN;
    case 'ParameterIsNotValidException':
    case 'InvalidMessageIDException':
    case 'CancelDeniedException':
    case 'SyncAsyncException':
      return ErrorCode.BAD_REQUEST;
    case 'MessageSchemaViolationException':
    case 'MessageVirusDetectionException':
      return ErrorCode.SCHEMA_VIOLATION;
    case 'XTAWSTechnicalProblemException':
      return ErrorCode.INTERNAL;
  }
}

/** A header block by namespace and local name (`ns` empty for none). */
export interface HeaderBlockName {
  readonly ns: string;
  readonly local: string;
}

/**
 * A WS-Addressing 1.0 fault (SOAP Binding §6.4) the XTA fault is too: its subcodes go into the SOAP Code, its details
 * beside the XTA exception. ActionMismatch: wsa:Action and the action the transport names (SOAP 1.2 `action`
 * parameter, SOAPAction) differ (§6.4.1, subcode wsa:InvalidAddressingHeader). ActionNotSupported: no operation of
 * the endpoint has that action (§6.4.4).
 */
export type WsaFault = { readonly subcode: 'ActionMismatch' } | { readonly subcode: 'ActionNotSupported'; readonly action: string };

export interface XtaFaultOptions {
  readonly soapCode?: SoapFaultCode;
  readonly cause?: unknown;
  readonly soap11?: boolean;
  /** HTTP status where the SOAP code's (Sender 400, else 500) is not the one, e.g. 415 for a media type the hub does not read. */
  readonly httpStatus?: number;
  /** The mandatory header blocks not understood, for a MustUnderstand fault's `env:NotUnderstood` blocks (SOAP 1.2 Part 1 §5.4.8). */
  readonly notUnderstood?: readonly HeaderBlockName[];
  /** The WS-Addressing fault this one also is. */
  readonly addressing?: WsaFault;
}

/** An XTA fault to answer as a SOAP 1.2 Fault; `status` is the SOAP-over-HTTP status (Sender 400, else 500, unless `httpStatus` says). */
export class XtaFault extends WeicheError {
  override readonly name: string = 'XtaFault';
  readonly kind: XtaExceptionKind;
  /** Fehlernummer from `urn:de:xta:webservice:codeliste:fehlernummer`. */
  readonly fehlernummer: string;
  /** Official name of the Fehlernummer (goes into `errorCode/name`). */
  readonly fehlernummerName: string;
  readonly soapCode: SoapFaultCode;
  /** The request was a SOAP 1.1 envelope: its VersionMismatch must be a SOAP 1.1 fault (SOAP 1.2 Part 1 Appendix A). */
  readonly soap11: boolean;
  readonly notUnderstood: readonly HeaderBlockName[];
  readonly addressing: WsaFault | undefined;

  constructor(kind: XtaExceptionKind, fehlernummer: string, message: string, opts: XtaFaultOptions = {}) {
    const soapCode = opts.soapCode ?? (kind === 'XTAWSTechnicalProblemException' ? 'Receiver' : 'Sender');
    super(weicheCodeFor(kind), message, {
      status: opts.httpStatus ?? (soapCode === 'Sender' ? 400 : 500),
      retryable: kind === 'XTAWSTechnicalProblemException',
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    });
    const entry = byCode.get(fehlernummer);
    if (!entry) throw new WeicheError(ErrorCode.INTERNAL, `unknown XTA Fehlernummer ${fehlernummer}`);
    // The code list assigns each number to one exception; 9000 (unspecified) fits any.
    if (entry.kind !== kind && entry.code !== '9000') {
      throw new WeicheError(ErrorCode.INTERNAL, `XTA Fehlernummer ${fehlernummer} belongs to ${entry.kind}, not ${kind}`);
    }
    this.kind = kind;
    this.fehlernummer = fehlernummer;
    this.fehlernummerName = entry.name;
    this.soapCode = soapCode;
    this.soap11 = opts.soap11 === true;
    this.notUnderstood = opts.notUnderstood ?? [];
    this.addressing = opts.addressing;
  }
}

/** Creates an XTA fault of a given exception kind and Fehlernummer (the message must not contain personal data). */
export function xtaFault(kind: XtaExceptionKind, code: string, message: string, opts: XtaFaultOptions = {}): XtaFault {
  return new XtaFault(kind, code, message, opts);
}

/** Creates an XTA fault from the catalogue by stable name; the kind comes with the number. */
export function xtaError(name: XtaErrorName, message?: string, opts: XtaFaultOptions = {}): XtaFault {
  const entry: CatalogueEntry = XTA_ERRORS[name];
  return new XtaFault(entry.kind, entry.code, message ?? entry.name, opts);
}

/** True for an XtaFault. */
export function isXtaFault(e: unknown): e is XtaFault {
  return e instanceof XtaFault;
}
