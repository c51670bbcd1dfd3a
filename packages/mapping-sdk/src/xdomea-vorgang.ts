// The parts every xdomea mapping shares: the application rendered as PDF/A (first Dokument, the data as
// its second Format), one Dokument per attachment with its format read from the content, the Betreff,
// the filing metadata and the hub's ids as AnwendungsspezifischeErweiterung fields.
import {
  berlinDate,
  dateiformatFor,
  inspectContent,
  prefixedEntryName,
  visibleName,
  renderApplicationPdf,
  type ContentFacts,
  type ReceiptCheck,
  type ReceiptFile,
  type XdomeaDocumentInput,
  type XdomeaExtension,
  type XdomeaFiling,
  type XdomeaParty,
  extensionFor,
} from '@weiche/xoev';
import { attachmentFacts } from './attachment-facts.js';
import { newIdFor, nowFor } from './context-tools.js';
import type { MappingModule, MappingResult, PackageEntry, SubmissionChecks, SubmissionContext, TargetProfile } from './types.js';

/** Kennung of the hub's AnwendungsspezifischeErweiterung (documented in docs/xoev-content.md). */
export const WEICHE_EXTENSION_KENNUNG = 'urn:weiche:xdomea:erweiterung:einreichung';

/** How the structured data appears in the package. */
export interface ApplicationData {
  /** Parsed data for the PDF (JSON value, or XML parsed with parseXml). */
  parsed: unknown;
  /** The bytes as received, shipped as the second Format of the application Dokument. */
  content: Buffer;
  mimeType: string;
  /** File name of the data, e.g. `fachdaten.json` or `baugenehmigung.antrag.0200.xml`. */
  fileName: string;
}

/** Everything a 0401/0605 builder needs besides the Kopf. */
export interface PlannedVorgang {
  vorgangId: string;
  subject: string;
  documents: XdomeaDocumentInput[];
  entries: PackageEntry[];
  filing?: XdomeaFiling;
  /** Set for a delegated submission (docs/delegation.md): the back office leads, both authorities are named. */
  federfuehrung?: string;
  kontakte?: XdomeaParty[];
  hinweis?: string;
  extension: XdomeaExtension;
}

type Authority = SubmissionContext['tenant'];

function label(t: Authority): string {
  return t.organisationseinheit === undefined ? t.name : `${t.name} – ${t.organisationseinheit}`;
}

function kontakt(t: Authority, zustaendigkeit: string): XdomeaParty {
  return { behoerdenkennung: t.behoerdenkennung, name: t.name, ...(t.organisationseinheit === undefined ? {} : { organisationseinheit: t.organisationseinheit }), zustaendigkeit };
}

/**
 * What a delegation adds to the message (docs/delegation.md): the owner stays the Empfaenger of the Kopf; the
 * Vorgang names the back office as Federfuehrung, both authorities as Kontakt with their Zustaendigkeit, and
 * the Kopf/Hinweis says who processes it for whom.
 */
export function delegationParts(ctx: SubmissionContext): Pick<PlannedVorgang, 'federfuehrung' | 'kontakte' | 'hinweis'> & { fields: Array<{ name: string; wert: string }> } {
  const back = ctx.processingTenant;
  if (back === undefined) return { fields: [] };
  return {
    federfuehrung: label(back),
    kontakte: [kontakt(ctx.tenant, 'Zuständige Stelle (Antrag gerichtet an)'), kontakt(back, `Bearbeitende Stelle im Auftrag von ${ctx.tenant.name}`)],
    hinweis: `Bearbeitung durch ${label(back)} im Auftrag von ${label(ctx.tenant)} (Delegation ${back.delegationId}).`,
    fields: [
      { name: 'Zuständige Stelle', wert: ctx.tenant.behoerdenkennung },
      { name: 'Bearbeitende Stelle', wert: back.behoerdenkennung },
      { name: 'Delegation', wert: back.delegationId },
    ],
  };
}

const CHANNELS: Readonly<Record<string, string>> = { 'fit-connect': 'FIT-Connect', xta: 'XTA 2 / OSCI' };
const CHECK_NAMES: Readonly<Record<keyof SubmissionChecks, string>> = {
  decryption: 'Entschlüsselung',
  hashes: 'Prüfsummen',
  authorSignature: 'Signatur des Autors',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function local(key: string): string {
  return key.slice(key.indexOf(':') + 1).toLowerCase();
}

// A name field may be a string or (XBau) an element wrapping <name>.
function nameText(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (isObject(v)) for (const [k, inner] of Object.entries(v)) if (local(k) === 'name') return nameText(inner);
  return undefined;
}

// Values looked at for the applicant before giving up: a form names its applicant among its first few hundred values,
// while a form of millions of values (16 MiB of `{}`) cost a second of CPU and more of garbage here for no name.
const MAX_VALUES_LOOKED_AT = 10_000;

/**
 * The applicant or organisation named in the data, for the Betreff: the first object (breadth-first, a few levels
 * deep, among the first MAX_VALUES_LOOKED_AT values) with a family name (familienname/nachname, with vorname) or an
 * organisation/firma name.
 */
export function applicantName(data: unknown): string | undefined {
  let level: unknown[] = [data];
  let left = MAX_VALUES_LOOKED_AT;
  for (let depth = 0; depth < 6 && level.length > 0; depth++) {
    const next: unknown[] = [];
    // one push per value: spreading a list of a million items into push's arguments ran out of call stack
    const take = (value: unknown): boolean => {
      if (left <= 0) return false;
      left -= 1;
      next.push(value);
      return true;
    };
    for (const node of level) {
      if (Array.isArray(node)) {
        for (const item of node) if (!take(item)) break;
        continue;
      }
      if (!isObject(node)) continue;
      const fields = new Map<string, unknown>();
      for (const key of Object.keys(node)) {
        if (fields.size > left) break;
        fields.set(local(key), node[key]);
      }
      const family = nameText(fields.get('familienname') ?? fields.get('nachname'));
      if (family) {
        const given = nameText(fields.get('vorname'));
        return given ? `${given} ${family}` : family;
      }
      for (const key of ['organisation', 'firma', 'unternehmen']) {
        const org = fields.get(key);
        const named = nameText(org) ?? (isObject(org) ? nameText(Object.fromEntries(Object.entries(org).filter(([k]) => local(k) === 'name'))) : undefined);
        if (named) return named;
      }
      for (const value of fields.values()) if (!take(value)) break;
    }
    level = next;
  }
  return undefined;
}

function receiptChecks(checks: SubmissionChecks | undefined): ReceiptCheck[] {
  return (Object.keys(CHECK_NAMES) as Array<keyof SubmissionChecks>).flatMap((key) => {
    const c = checks?.[key];
    return c === undefined ? [] : [{ name: CHECK_NAMES[key], status: c.status, ...(c.detail === undefined ? {} : { detail: c.detail }) }];
  });
}

async function factsOf(source: PackageEntry['source'], mimeType: string): Promise<ContentFacts> {
  return inspectContent(Buffer.isBuffer(source) ? source : source(), mimeType);
}

/**
 * Plans the Vorgang of one submission: ids from ctx (deterministic in runMapping), the application as
 * PDF/A plus the data, then the attachments (form PDFs of the sender first); formats read from the content.
 */
export async function planXdomeaVorgang(
  ctx: SubmissionContext,
  module: Pick<MappingModule, 'id' | 'version'>,
  opts: { data?: ApplicationData; extraFields?: Array<{ name: string; wert: string }>; cacheDir?: string },
): Promise<PlannedVorgang> {
  const fmt = opts.cacheDir === undefined ? {} : { cacheDir: opts.cacheDir };
  const vorgangId = newIdFor(ctx);
  const applicationId = newIdFor(ctx);
  const receivedOn = berlinDate(ctx.receivedAt);
  const serviceTitle = ctx.serviceName ?? ctx.serviceIdentifier;
  const applicant = opts.data === undefined ? undefined : applicantName(opts.data.parsed);

  const attachments = [...ctx.attachments.filter((a) => a.purpose === 'form'), ...ctx.attachments.filter((a) => a.purpose !== 'form')];
  const planned = [];
  for (const a of attachments) {
    const facts = await attachmentFacts(a);
    const id = newIdFor(ctx);
    const originalName = visibleName(a.filename ?? `${a.attachmentId}.${extensionFor(a.mimeType)}`);
    planned.push({ a, facts, id, originalName, fileName: prefixedEntryName(id, originalName) });
  }

  const dataFacts = opts.data === undefined ? undefined : await factsOf(opts.data.content, opts.data.mimeType);
  const receiptFile = (name: string, f: ContentFacts): ReceiptFile => ({ name, mimeType: f.mimeType, size: f.size, sha256: f.sha256 });
  const pdf = await renderApplicationPdf({
    title: serviceTitle,
    ...(applicant === undefined ? {} : { applicant }),
    ...(opts.data === undefined ? {} : { data: opts.data.parsed }),
    ...(ctx.formSchema === undefined ? {} : { formSchema: ctx.formSchema }),
    createdAt: nowFor(ctx),
    producer: `${ctx.hub.product} ${ctx.hub.version}`,
    receipt: {
      receivedAt: ctx.receivedAt,
      ...(ctx.channel === undefined ? {} : { channel: CHANNELS[ctx.channel] ?? ctx.channel }),
      sender: ctx.sender,
      recipient: ctx.processingTenant === undefined ? label(ctx.tenant) : `${label(ctx.tenant)} (bearbeitet durch ${label(ctx.processingTenant)})`,
      submissionId: ctx.submissionId,
      ...(ctx.caseId === undefined ? {} : { caseId: ctx.caseId }),
      serviceIdentifier: ctx.serviceIdentifier,
      ...(ctx.senderReference === undefined ? {} : { senderReference: ctx.senderReference }),
      checks: receiptChecks(ctx.checks),
      mapping: { id: module.id, version: module.version },
      ...(opts.data && dataFacts && ctx.data ? { data: { ...receiptFile(opts.data.fileName, dataFacts), schemaUri: ctx.data.schemaUri } } : {}),
      attachments: planned.map((p) => receiptFile(p.originalName, p.facts)),
    },
  });
  const pdfFacts = await inspectContent(pdf, 'application/pdf');
  const pdfName = prefixedEntryName(applicationId, 'Antrag.pdf');
  const application: XdomeaDocumentInput = {
    id: applicationId,
    title: applicant === undefined ? `Antrag: ${serviceTitle}` : `Antrag: ${serviceTitle} – ${applicant}`,
    receivedOn,
    formats: [
      { fileName: pdfName, originalName: 'Antrag.pdf', format: dateiformatFor(pdfFacts, fmt) },
      ...(opts.data && dataFacts
        ? [{ fileName: prefixedEntryName(applicationId, opts.data.fileName), originalName: opts.data.fileName, format: dateiformatFor(dataFacts, fmt) }]
        : []),
    ],
  };
  const entries: PackageEntry[] = [
    { name: pdfName, mimeType: 'application/pdf', source: pdf },
    ...(opts.data ? [{ name: prefixedEntryName(applicationId, opts.data.fileName), mimeType: opts.data.mimeType, source: opts.data.content }] : []),
  ];
  const documents: XdomeaDocumentInput[] = [application];
  for (const p of planned) {
    documents.push({
      id: p.id,
      title: p.a.description ?? (p.a.filename === undefined ? p.a.attachmentId : p.originalName),
      receivedOn,
      formats: [{ fileName: p.fileName, originalName: p.originalName, format: dateiformatFor(p.facts, fmt) }],
    });
    entries.push({ name: p.fileName, mimeType: p.facts.mimeType, source: () => p.a.open() });
  }

  const delegation = delegationParts(ctx);
  const fields = [
    { name: 'Einreichung', wert: ctx.submissionId },
    ...(ctx.caseId === undefined ? [] : [{ name: 'Vorgangsnummer', wert: ctx.caseId }]),
    { name: 'Leistung', wert: ctx.serviceIdentifier },
    ...(ctx.senderReference === undefined ? [] : [{ name: 'Referenz des Absenders', wert: ctx.senderReference }]),
    ...(ctx.data === undefined ? [] : [{ name: 'Schema der Antragsdaten', wert: ctx.data.schemaUri }]),
    ...(ctx.channel === undefined ? [] : [{ name: 'Eingangskanal', wert: ctx.channel }]),
    { name: 'Eingang', wert: ctx.receivedAt.toISOString() },
    ...(opts.extraFields ?? []),
    ...delegation.fields,
    { name: 'Zuordnungsmodul', wert: `${module.id}@${module.version}` },
  ];
  const filing = ctx.filing === undefined ? undefined : ctx.filing;
  return {
    vorgangId,
    // Betreff = the service and who applies: what a clerk searches for in the DMS.
    subject: applicant === undefined ? serviceTitle : `${serviceTitle} – ${applicant}`,
    documents,
    entries,
    ...(filing === undefined ? {} : { filing }),
    ...(delegation.federfuehrung === undefined ? {} : { federfuehrung: delegation.federfuehrung }),
    ...(delegation.kontakte === undefined ? {} : { kontakte: delegation.kontakte }),
    ...(delegation.hinweis === undefined ? {} : { hinweis: delegation.hinweis }),
    extension: { kennung: WEICHE_EXTENSION_KENNUNG, name: `${ctx.hub.product} – Einreichung`, version: '1', felder: fields },
  };
}

/**
 * The result of a module that writes one xdomea message: `{ProzessID}_{message}.xml` in `{ProzessID}_{message}.zip`
 * (the xdomea naming rule), the planned Vorgang's documents beside it.
 */
export function xdomeaResult(
  target: TargetProfile,
  message: 'Abgabe.Abgabe.0401' | 'FVDaten.SGOAblegen.0605',
  prozessId: string,
  messageXml: string,
  vorgang: Pick<PlannedVorgang, 'entries'>,
): MappingResult {
  return {
    targetProfile: target,
    standardId: 'xdomea-3.1.0',
    packageName: `${prozessId}_${message}.zip`,
    messageName: `${prozessId}_${message}.xml`,
    messageXml,
    documents: vorgang.entries,
    prozessId,
  };
}
