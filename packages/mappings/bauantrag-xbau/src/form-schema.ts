import { z } from 'zod';

/** `$id` of the Bauantrag form schema (schemas/forms/bauantrag-1.0.json); the FIT-Connect submissionSchema.schemaUri this module accepts. */
export const BAUANTRAG_SCHEMA_URI = 'urn:weiche:schema:bauantrag:1.0';

// Generous upper bounds only against abuse: XBau 2.6 sets no maximum length on these fields
// (DIN 91379 datatypeC has none), so long names pass through unshortened.
const text = z.string().trim().min(1).max(1000);

/** Postal address (FIM: anschrift). */
export const Anschrift = z.strictObject({
  strasse: text.optional(),
  hausnummer: z.string().trim().min(1).max(50).optional(),
  postleitzahl: z.string().trim().min(1).max(20).optional(),
  ort: text,
  ortsteil: text.optional(),
  zusatz: text.optional(),
});

/** Contact channels (FIM: kommunikation). */
export const Kommunikation = z.strictObject({
  email: z.email().max(254).optional(),
  telefon: z.string().trim().regex(/^\+?[0-9 ()/-]{3,30}$/).optional(),
  mobil: z.string().trim().regex(/^\+?[0-9 ()/-]{3,30}$/).optional(),
});

/** A natural person as applicant. */
export const NatuerlichePerson = z.strictObject({
  anrede: z.string().trim().min(1).max(50).optional(),
  titel: z.string().trim().min(1).max(100).optional(),
  familienname: text,
  vorname: text.optional(),
  anschrift: Anschrift.optional(),
  kommunikation: Kommunikation.optional(),
});

/** An organisation as applicant. */
export const Organisation = z.strictObject({
  name: text,
  kurzbezeichnung: text.optional(),
  anschrift: Anschrift.optional(),
  kommunikation: Kommunikation.optional(),
});

/** One applicant: exactly one of natuerlichePerson / organisation. */
export const Antragsteller = z.union([z.strictObject({ natuerlichePerson: NatuerlichePerson }), z.strictObject({ organisation: Organisation })]);

/** The building plot (FIM: baugrundstueck). */
export const Baugrundstueck = z.strictObject({
  strasse: text.optional(),
  hausnummer: z.string().trim().min(1).max(50).optional(),
  postleitzahl: z.string().trim().regex(/^\d{5}$/).optional(),
  ort: text,
  ortsteil: text.optional(),
  gemarkung: text.optional(),
  flur: z.string().trim().min(1).max(20).optional(),
  flurstueck: z.string().trim().min(1).max(50).optional(),
});

/** The project (FIM: bauvorhaben). */
export const Bauvorhaben = z.strictObject({
  bezeichnung: text,
  beschreibung: z.string().trim().min(1).max(10000).optional(),
  baugrundstueck: Baugrundstueck,
});

/** Metadata of one submitted attachment, linked by its FIT-Connect attachmentId. */
export const Anlage = z.strictObject({
  attachmentId: z.string().min(1).max(200),
  bezeichnung: text.optional(),
  /** Code of the XBau Anlagen list (urn:xoev-de:xbau:codeliste:anlagen), e.g. "0100". */
  anlageart: z.string().regex(/^\d{4}$/).optional(),
  datum: z.iso.date().optional(),
  wirdNachgereicht: z.boolean().optional(),
});

/** The Bauantrag form data (schemas/forms/bauantrag-1.0.json is generated from this). */
export const BauantragForm = z.strictObject({
  antragsteller: z.array(Antragsteller).min(1).max(20),
  bauvorhaben: Bauvorhaben,
  anlagen: z.array(Anlage).max(500).optional(),
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
