// Inputs for application-pdf-bench.ts: one realistic submission per index, different values each time.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApplicationPdfInput } from '@weiche/xoev';

const FIRST = ['Jürgen', 'Anna-Lena', 'Özlem', 'Heinz-Günther', 'Marie', 'Björn', 'Sophie', 'Mehmet'];
const LAST = ['Müßig-Größer', 'Schäfer', 'Yılmaz', 'Weißhaupt', 'Krüger', 'Nguyen', 'Oßwald', 'Bäumer'];
const STREETS = ['Weißdornweg', 'Am Kötterbach', 'Große Straße', 'Lindenallee', 'Schlossplatz', 'Mühlenstraße'];
const PLACES = ['Münster', 'Gütersloh', 'Köln', 'Düsseldorf', 'Lüdenscheid', 'Paderborn'];

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** ~2 KiB of form data without schema (labels from the field names, as in the intake benchmark): German fields, short values, a few long random strings. */
export function formData(i: number): Record<string, unknown> {
  return {
    antragsteller: {
      anrede: i % 2 === 0 ? 'Herr' : 'Frau',
      vorname: pick(FIRST, i),
      familienname: pick(LAST, i * 7 + 3),
      geburtsdatum: `19${50 + (i % 49)}-0${1 + (i % 9)}-1${i % 10}`,
      anschrift: { strasse: pick(STREETS, i), hausnummer: `${1 + (i % 120)}a`, postleitzahl: `${48000 + (i % 999)}`, ort: pick(PLACES, i) },
      telefon: `+49 251 ${100000 + i}`,
      email: `antrag.${i}@example.org`,
    },
    bauvorhaben: {
      bezeichnungDesBauvorhabens: 'Neubau eines Einfamilienhauses mit Garage und überdachtem Stellplatz',
      artDerAnlage: 'Wohngebäude',
      gebaeudeklasse: `GK ${1 + (i % 3)}`,
      anzahlWohnungen: 1 + (i % 3),
      vollgeschosse: 2,
      grundflaecheQm: `${120 + (i % 80)},5`,
      geplanterBaubeginn: `2025-0${1 + (i % 9)}-01`,
    },
    baugrundstueck: {
      gemarkung: pick(PLACES, i + 2),
      flur: `${1 + (i % 30)}`,
      flurstueck: `${100 + i}/${1 + (i % 9)}`,
      lage: `${pick(STREETS, i + 1)} ${1 + (i % 80)}, ${pick(PLACES, i + 2)}`,
      grundbuchblatt: `${pick(PLACES, i + 2)} Blatt ${2000 + i}`,
      eigentuemerIstAntragsteller: i % 4 !== 0,
    },
    erklaerungen: { bauvorlageberechtigt: true, nachbarbeteiligungErfolgt: i % 3 === 0, statikWirdNachgereicht: i % 2 === 0, denkmalschutz: false },
    nutzung: {
      bisherigeNutzung: 'Unbebautes Grundstück (Gartenland)',
      kuenftigeNutzung: 'Wohnen, eine Einliegerwohnung im Untergeschoss',
      stellplaetzeNachgewiesen: 2 + (i % 2),
      zufahrt: `über ${pick(STREETS, i + 3)}`,
    },
    kosten: { rohbaukostenEuro: `${(280_000 + i * 17).toLocaleString('de-DE')} €`, herstellungskostenEuro: `${(410_000 + i * 23).toLocaleString('de-DE')} €` },
    bautechnischeNachweise: { standsicherheit: 'wird nachgereicht', waermeschutz: 'liegt bei (GEG-Nachweis)', schallschutz: 'nicht erforderlich', brandschutz: 'Erklärung des Entwurfsverfassers' },
    entwurfsverfasser: { name: `Architekturbüro ${pick(LAST, i + 5)}`, kammernummer: `AKNW-${10000 + i}` },
    beschreibung: 'Das Gebäude wird in Massivbauweise errichtet; die Dachform ist ein Satteldach mit 38° Neigung. Die Garage schließt an die Grenze an.',
    // like the load generator's synthetic data: long random strings, each a word of its own
    bemerkungen: [hex(24), hex(24), hex(24), hex(24), hex(24)],
    aktenzeichenPortal: `${randomUUID()}`,
  };
}

export function benchInput(i: number): ApplicationPdfInput {
  const data = formData(i);
  const file = (name: string, size: number) => ({ name, mimeType: 'application/pdf', size, sha256: createHash('sha256').update(randomBytes(16)).digest('hex') });
  return {
    title: 'Baugenehmigung beantragen',
    applicant: `${pick(FIRST, i)} ${pick(LAST, i * 7 + 3)}`,
    data,
    createdAt: new Date(Date.UTC(2025, 2, 1, 10, 0, 5) + i * 61_000),
    producer: 'Weiche 0.1.0',
    receipt: {
      receivedAt: new Date(Date.UTC(2025, 2, 1, 10, 0, 0) + i * 61_000),
      channel: 'FIT-Connect',
      sender: { name: 'Bauportal NRW', behoerdenkennung: 'psw:01000001' },
      recipient: 'Stadt Münster – Bauordnungsamt',
      submissionId: randomUUID(),
      caseId: randomUUID(),
      serviceIdentifier: 'urn:de:fim:leika:leistung:99010003001006',
      senderReference: `BENCH-${i}`,
      checks: [
        { name: 'Entschlüsselung', status: 'passed', detail: 'RSA-OAEP-256 / A256GCM' },
        { name: 'Prüfsummen', status: 'passed', detail: 'SHA-512 von Daten und Anlagen' },
        { name: 'Signatur des Autors', status: 'not-applicable' },
      ],
      mapping: { id: 'generic-xdomea', version: '2.0.0' },
      data: { ...file('fachdaten.json', Buffer.byteLength(JSON.stringify(data))), mimeType: 'application/json', schemaUri: 'urn:test:schema:1.0' },
      attachments: [file(`anlage-${i}-0.pdf`, 102_400), file(`Lageplan_Größe_${i}.pdf`, 102_400)],
    },
  };
}
