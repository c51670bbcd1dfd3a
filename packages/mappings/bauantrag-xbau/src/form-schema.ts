import { z } from 'zod';
import { ANLAGEN } from '@weiche/xoev';

/** `$id` of the Bauantrag form schema (schemas/forms/bauantrag-1.0.json); the FIT-Connect submissionSchema.schemaUri this module accepts. */
export const BAUANTRAG_SCHEMA_URI = 'urn:weiche:schema:bauantrag:1.0';

// Generous upper bounds only against abuse: XBau 2.6 sets no maximum length on these fields
// (DIN 91379 datatypeC has none), so long names pass through unshortened.
const text = z.string().trim().min(1).max(1000);
// Field titles are the German labels the clerk reads on the rendered application (PDF/A).
const t = <T extends z.ZodType>(schema: T, title: string): T => schema.meta({ title });

/** Postal address (FIM: anschrift). */
export const Anschrift = z.strictObject({
  strasse: t(text, 'Straße').optional(),
  hausnummer: t(z.string().trim().min(1).max(50), 'Hausnummer').optional(),
  postleitzahl: t(z.string().trim().min(1).max(20), 'Postleitzahl').optional(),
  ort: t(text, 'Ort'),
  ortsteil: t(text, 'Ortsteil').optional(),
  zusatz: t(text, 'Adresszusatz').optional(),
});

/** Contact channels (FIM: kommunikation). */
export const Kommunikation = z.strictObject({
  email: t(z.email().max(254), 'E-Mail').optional(),
  telefon: t(z.string().trim().regex(/^\+?[0-9 ()/-]{3,30}$/), 'Telefon').optional(),
  mobil: t(z.string().trim().regex(/^\+?[0-9 ()/-]{3,30}$/), 'Mobiltelefon').optional(),
});

/** A natural person as applicant. */
export const NatuerlichePerson = z.strictObject({
  anrede: t(z.string().trim().min(1).max(50), 'Anrede').optional(),
  titel: t(z.string().trim().min(1).max(100), 'Titel').optional(),
  familienname: t(text, 'Familienname'),
  vorname: t(text, 'Vorname').optional(),
  anschrift: t(Anschrift, 'Anschrift').optional(),
  kommunikation: t(Kommunikation, 'Kommunikation').optional(),
});

/** An organisation as applicant. */
export const Organisation = z.strictObject({
  name: t(text, 'Name'),
  kurzbezeichnung: t(text, 'Kurzbezeichnung').optional(),
  anschrift: t(Anschrift, 'Anschrift').optional(),
  kommunikation: t(Kommunikation, 'Kommunikation').optional(),
});

/** One applicant: exactly one of natuerlichePerson / organisation. */
export const Antragsteller = z.union([
  z.strictObject({ natuerlichePerson: t(NatuerlichePerson, 'Natürliche Person') }),
  z.strictObject({ organisation: t(Organisation, 'Organisation') }),
]);

/** The building plot (FIM: baugrundstueck); Gemarkung, Flur and Flurstück go into XBau kodierungFlurstueck. */
export const Baugrundstueck = z.strictObject({
  strasse: t(text, 'Straße').optional(),
  hausnummer: t(z.string().trim().min(1).max(50), 'Hausnummer').optional(),
  postleitzahl: t(z.string().trim().regex(/^\d{5}$/), 'Postleitzahl').optional(),
  ort: t(text, 'Ort'),
  ortsteil: t(text, 'Ortsteil').optional(),
  /** Name, or the number of the Gemarkung in the cadastre (digits). */
  gemarkung: t(text, 'Gemarkung').optional(),
  flur: t(z.string().trim().min(1).max(20), 'Flur').optional(),
  /** `Zähler` or `Zähler/Nenner`, e.g. `345/6`. */
  flurstueck: t(z.string().trim().min(1).max(50), 'Flurstück').optional(),
});

/** The project (FIM: bauvorhaben). */
export const Bauvorhaben = z.strictObject({
  bezeichnung: t(text, 'Bezeichnung des Bauvorhabens'),
  beschreibung: t(z.string().trim().min(1).max(10000), 'Beschreibung').optional(),
  baugrundstueck: t(Baugrundstueck, 'Baugrundstück'),
});

const ANLAGEART_CODES = [...ANLAGEN.codes.keys()] as [string, ...string[]];

/** Metadata of one submitted attachment, linked by its FIT-Connect attachmentId. */
export const Anlage = z.strictObject({
  attachmentId: t(z.string().min(1).max(200), 'Anlage (Kennung)'),
  bezeichnung: t(text, 'Bezeichnung').optional(),
  /** Code of the XBau Anlagen list at the pinned version (urn:xoev-de:xbau:codeliste:anlagen, see docs/xoev-content.md). */
  anlageart: z.enum(ANLAGEART_CODES).meta({ title: 'Art der Anlage', description: `Code of ${ANLAGEN.uri} version ${ANLAGEN.version}` }).optional(),
  // xs:date in XBau (XSD 1.0) has no year 0000, which ISO 8601 and z.iso.date() allow
  datum: t(z.iso.date().refine((d) => !d.startsWith('0000'), 'year 0000 is not a date in XBau (xs:date)'), 'Datum').optional(),
  wirdNachgereicht: t(z.boolean(), 'Wird nachgereicht').optional(),
});

/** The Bauantrag form data (schemas/forms/bauantrag-1.0.json is generated from this). */
export const BauantragForm = z.strictObject({
  antragsteller: t(z.array(Antragsteller).min(1).max(20), 'Antragsteller'),
  bauvorhaben: t(Bauvorhaben, 'Bauvorhaben'),
  anlagen: t(z.array(Anlage).max(500), 'Anlagen').optional(),
});

export type BauantragForm = z.infer<typeof BauantragForm>;

/** The published JSON schema (draft 2020-12) of the form, derived from the zod schema so both never drift apart. */
export function bauantragJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(BauantragForm, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: BAUANTRAG_SCHEMA_URI,
    title: 'Bauantrag (Baugenehmigung beantragen) 1.0',
    description: 'Structured form data of a building-permit application; mapped by @weiche/mapping-bauantrag-xbau to XBau 2.6 baugenehmigung.antrag.0200.',
    ...rest,
  };
}
