// The hub's own words — submission and delivery states, journal stages, attempt outcomes, event
// names and the usual error texts — in the console's language. The API speaks English codes and
// texts; the German console shows German, with the original text as the element's title.
import { lang } from './i18n.js';

const STATES = {
  de: {
    CREATED: 'angelegt', RECEIVED: 'eingegangen', OPENED: 'entschlüsselt', MAPPED: 'umgewandelt', ROUTED: 'zugeordnet',
    DELIVERING: 'in Zustellung', DELIVERED: 'zugestellt', REJECTED: 'abgewiesen', FAILED: 'fehlgeschlagen', PENDING: 'ausstehend',
  },
  en: {
    CREATED: 'created', RECEIVED: 'received', OPENED: 'opened', MAPPED: 'mapped', ROUTED: 'routed',
    DELIVERING: 'delivering', DELIVERED: 'delivered', REJECTED: 'rejected', FAILED: 'failed', PENDING: 'pending',
  },
};

const STAGES = {
  de: {
    intake: 'Eingang', submit: 'Einreichung abgeschlossen', open: 'Entschlüsselung und Prüfung', map: 'Umwandlung (Mapping)',
    route: 'Zuordnung (Routing)', deliver: 'Zustellung', 'deliver-route': 'Route zugestellt', 'dead-letter': 'Zustellung aufgegeben',
    redeliver: 'Erneute Zustellung', replay: 'Wiederholung', discard: 'Verworfen', operator: 'Betriebsaktion',
    'xta-msgbox-offer': 'Ins XTA-Postfach gestellt', 'xta-msgbox-close': 'Aus dem XTA-Postfach abgeholt',
    delegate: 'An Back-Office übergeben (Delegation)', delegations: 'Delegationen geändert',
    acknowledge: 'Rückmeldung an den Absender', answer: 'Antwort des abholenden Systems (Subscriber)', pickup: 'Abholung',
    callback: 'Callback an den Absender', 'dms-confirmation': 'Rückmeldung des DMS', retention: 'Gelöscht nach Aufbewahrungsfrist',
    shred: 'Mandantenschlüssel vernichtet (Crypto-Shredding)', 'upstream-close': 'Beim Intermediär abgeschlossen (XTA close)',
  },
  en: {
    intake: 'intake', submit: 'submission complete', open: 'decryption and checks', map: 'mapping', route: 'routing', deliver: 'delivery',
    'deliver-route': 'route delivered', 'dead-letter': 'delivery given up', redeliver: 'redelivery', replay: 'replay', discard: 'discarded',
    operator: 'operator action', 'xta-msgbox-offer': 'offered in the XTA message box', 'xta-msgbox-close': 'fetched from the XTA message box',
    delegate: 'handed to a back office (delegation)', delegations: 'delegations changed',
    acknowledge: 'answer to the sender', answer: "subscriber's answer", pickup: 'pickup', callback: 'callback to the sender',
    'dms-confirmation': 'DMS confirmation', retention: 'deleted after retention', shred: 'tenant key destroyed (crypto-shredding)',
    'upstream-close': 'closed at the intermediary (XTA close)',
  },
};

const OUTCOMES = {
  de: { success: 'erfolgreich', transient: 'vorübergehender Fehler', permanent: 'dauerhafter Fehler' },
  en: { success: 'success', transient: 'transient failure', permanent: 'permanent failure' },
};

const EVENTS = {
  de: { 'create-submission': 'Einreichung angelegt', 'submit-submission': 'Einreichung übermittelt', 'accept-submission': 'Annahme gemeldet', 'reject-submission': 'Zurückweisung gemeldet' },
  en: { 'create-submission': 'submission created', 'submit-submission': 'submission submitted', 'accept-submission': 'acceptance sent', 'reject-submission': 'rejection sent' },
};

const ACTIONS = {
  de: { 'pause-adapter': 'Adapter angehalten', 'resume-adapter': 'Adapter fortgesetzt', discard: 'verworfen', note: 'Notiz' },
  en: { 'pause-adapter': 'adapter paused', 'resume-adapter': 'adapter resumed', discard: 'discarded', note: 'note' },
};

// system error codes in delivery errors (Node.js errno names)
const CODES = {
  ECONNREFUSED: 'Verbindung abgelehnt', ECONNRESET: 'Verbindung zurückgesetzt', ETIMEDOUT: 'Zeitüberschreitung', ENOTFOUND: 'Rechnername unbekannt',
  EHOSTUNREACH: 'Rechner nicht erreichbar', ENETUNREACH: 'Netz nicht erreichbar', EPIPE: 'Verbindung abgebrochen', EAI_AGAIN: 'Namensauflösung fehlgeschlagen',
  EACCES: 'keine Berechtigung', EPERM: 'nicht erlaubt', EROFS: 'schreibgeschützt', ENOSPC: 'Datenträger voll', EDQUOT: 'Kontingent erschöpft',
  ENOTDIR: 'Pfad führt durch eine Datei', ENOENT: 'nicht vorhanden', EISDIR: 'ist ein Ordner', EIO: 'Ein-/Ausgabefehler',
};
const HTTP = { 400: 'ungültige Anfrage', 401: 'nicht angemeldet', 403: 'verboten', 404: 'nicht gefunden', 408: 'Zeitüberschreitung', 409: 'Konflikt', 413: 'zu groß', 429: 'zu viele Anfragen', 500: 'interner Fehler', 502: 'Gateway-Fehler', 503: 'Dienst nicht verfügbar', 504: 'Gateway-Zeitüberschreitung' };
const PROBLEMS = {
  'encryption-issue': 'Entschlüsselungs-Fehler', 'missing-authentication-tags': 'Fehlende Authentication-Tags', 'incorrect-authentication-tag': 'Authentication-Tag ungültig',
  'syntax-violation': 'Syntax-Fehler', 'unsupported-schema': 'Schema nicht unterstützt', 'schema-violation': 'Schema-Fehler', 'hash-mismatch': 'Prüfsumme stimmt nicht',
  'missing-data': 'Fachdaten fehlen', 'attachments-mismatch': 'Fehlerhafte Anlagen-Liste', 'missing-attachments': 'Anlagen fehlen',
  'unsupported-service': 'Verwaltungsleistung nicht unterstützt', 'service-mismatch': 'Verwaltungsleistung stimmt nicht überein', 'technical-error': 'Technischer Fehler',
};

const code = (c) => (CODES[c] ? `${c}: ${CODES[c]}` : c);
const status = (s) => (HTTP[s] ? `HTTP ${s}, ${HTTP[s]}` : `HTTP ${s}`);
const duration = (ms) => (Number(ms) >= 3600_000 ? `${Math.round(Number(ms) / 3600_000)} h` : `${Math.round(Number(ms) / 1000)} s`);

// [pattern, German text]; `inner` parts are translated again, so prefixes combine with any cause
const ERRORS = [
  [/^retries exhausted after (\d+) attempts: ([\s\S]*)$/, (m, inner) => `Wiederholungen ausgeschöpft nach ${m[1]} Versuchen: ${inner(m[2])}`],
  [/^max age of (\d+) ms exceeded after (\d+) attempts: ([\s\S]*)$/, (m, inner) => `Höchstalter von ${duration(m[1])} überschritten nach ${m[2]} Versuchen: ${inner(m[3])}`],
  [/^permanent: ([\s\S]*)$/, (m, inner) => `Dauerhafter Fehler: ${inner(m[1])}`],
  // audit verification (weiche audit verify, the console's "Kette prüfen")
  [/^content changed: the hash does not match the record$/, () => 'Inhalt geändert: der Hash passt nicht zum Eintrag'],
  [/^MAC invalid: forged, or re-chained without the evidence key$/, () => 'MAC ungültig: gefälscht oder ohne den Beweisschlüssel neu verkettet'],
  [/^a second record at position (\d+) \(inserted\)$/, (m) => `ein zweiter Eintrag an Position ${m[1]} (eingefügt)`],
  [/^records missing \(deleted\)$/, () => 'Einträge fehlen (gelöscht)'],
  [/^newest records deleted \(sealed by checkpoint (\d+)\)$/, (m) => `neueste Einträge gelöscht (von Prüfpunkt ${m[1]} versiegelt)`],
  [/^all records deleted \(sealed by checkpoint (\d+)\)$/, (m) => `alle Einträge gelöscht (von Prüfpunkt ${m[1]} versiegelt)`],
  [/^differs from what checkpoint (\d+) sealed$/, (m) => `weicht ab von dem, was Prüfpunkt ${m[1]} versiegelt hat`],
  [
    /^checkpoint (\d+) sealed the chain only up to #(\d+) after checkpoint (\d+) had sealed it up to #(\d+): its head was set back in the database \(records deleted or re-written\)$/,
    (m) => `Prüfpunkt ${m[1]} hat die Kette nur bis Eintrag ${m[2]} versiegelt, nachdem Prüfpunkt ${m[3]} sie bis Eintrag ${m[4]} versiegelt hatte: ihr Ende wurde in der Datenbank zurückgesetzt (Einträge gelöscht oder neu geschrieben)`,
  ],
  [/^the audit chain of this submission does not verify \(record #(\d+): ([\s\S]+)\): no bundle is signed; run weiche audit verify$/, (m, inner) => `Die Prüfkette dieser Einreichung ist nicht unversehrt (Eintrag ${m[1]}: ${inner(m[2])}): es wird kein Nachweis signiert; bitte „weiche audit verify“ ausführen`],
  [/^checkpoint (\d+): the database copy of its sealed heads was altered$/, (m) => `Prüfpunkt ${m[1]}: seine Kopie in der Datenbank wurde verändert`],
  [/^processing error after (\d+) attempts: ([\s\S]*)$/, (m, inner) => `Verarbeitungsfehler nach ${m[1]} Versuchen: ${inner(m[2])}`],
  [/^no route for tenant (\S+) and service (\S+)$/, (m) => `Keine Route für Mandant ${m[1]} und Leistung ${m[2]}`],
  [/^no output package for target (.+)$/, (m) => `Kein Ausgabepaket für das Ziel ${m[1]}`],
  [/^adapter instance (\S+) is not configured$/, (m) => `Adapter-Instanz ${m[1]} ist nicht konfiguriert`],
  [/^endpoint answered HTTP (\d+)$/, (m) => `Gegenstelle antwortete mit ${status(m[1])}`],
  [/^request to the endpoint failed \((\w+)\)$/, (m) => `Anfrage an die Gegenstelle fehlgeschlagen (${code(m[1])})`],
  [/^TLS verification of the endpoint failed \((\w+)\)$/, (m) => `TLS-Prüfung der Gegenstelle fehlgeschlagen (${m[1]})`],
  [/^endpoint idle for (\d+) ms$/, (m) => `Gegenstelle antwortet seit ${duration(m[1])} nicht`],
  [/^delivery aborted[\s\S]*$/, () => 'Zustellung abgebrochen (Zeitüberschreitung oder Herunterfahren)'],
  [/^DMS folder not reachable \(share not mounted\?\) writing (.+)$/, (m) => `DMS-Ordner nicht erreichbar (Freigabe nicht eingehängt?) beim Schreiben von ${m[1]}`],
  [/^writing (.+) failed \((\w+)\)$/, (m) => `Schreiben von ${m[1]} fehlgeschlagen (${code(m[2])})`],
  [/^folder not writable \((\w+)\)$/, (m) => `Ordner nicht beschreibbar (${code(m[1])})`],
  [/^authentication to (.+) failed$/, (m) => `Anmeldung bei ${m[1]} fehlgeschlagen`],
  [/^SSH handshake with (.+) failed$/, (m) => `SSH-Verbindungsaufbau mit ${m[1]} fehlgeschlagen`],
  [/^connection to (.+) timed out$/, (m) => `Verbindung zu ${m[1]}: Zeitüberschreitung`],
  [/^connection to (.+) failed \((\w+)\)$/, (m) => `Verbindung zu ${m[1]} fehlgeschlagen (${code(m[2])})`],
  [/^connection to (.+) closed during setup$/, (m) => `Verbindung zu ${m[1]} beim Aufbau geschlossen`],
  [/^remoteDir (.+) does not exist$/, (m) => `Zielordner ${m[1]} existiert nicht`],
  [/^remoteDir (.+) is not a folder$/, (m) => `Zielordner ${m[1]} ist kein Ordner`],
  [/^health check of (.+) timed out$/, (m) => `Zustandsprüfung von ${m[1]}: Zeitüberschreitung`],
  [/^health check timed out after (\d+) ms$/, (m) => `Zustandsprüfung: keine Antwort nach ${duration(m[1])}`],
  [/^offering in the XTA message box failed: ([\s\S]*)$/, (m, inner) => `Einstellen ins XTA-Postfach fehlgeschlagen: ${inner(m[1])}`],
  [/^package is not a readable ZIP$/, () => 'Paket ist keine lesbare ZIP-Datei'],
  [/^package holds no xÖV message XML$/, () => 'Paket enthält keine xÖV-Nachricht'],
  [/^https:\/\/schema\.fitko\.de\/fit-connect\/events\/problems\/([a-z-]+): ([\s\S]*)$/, (m) => `${PROBLEMS[m[1]] ?? m[1]}: ${m[2]}`],
];

/** A submission or delivery state in the console's language. */
export function stateLabel(state) {
  return STATES[lang()][state] ?? state;
}

/** A journal stage in the console's language. */
export function stageLabel(stage) {
  return STAGES[lang()][stage] ?? stage;
}

/** A delivery attempt's outcome in the console's language. */
export function outcomeLabel(outcome) {
  return OUTCOMES[lang()][outcome] ?? outcome;
}

/** A case event name in the console's language. */
export function eventLabel(name) {
  return EVENTS[lang()][name] ?? name;
}

/** An operator action (audit details.action) in the console's language. */
export function actionLabel(action) {
  return ACTIONS[lang()][action] ?? action;
}

/** An error text of the hub or an adapter in the console's language (texts it does not know stay as they are). */
export function errorText(text) {
  if (text === null || text === undefined || text === '') return '–';
  if (lang() !== 'de') return text;
  const translate = (value) => {
    for (const [pattern, german] of ERRORS) {
      const m = pattern.exec(value);
      if (m) return german(m, translate);
    }
    return value;
  };
  return translate(text);
}
