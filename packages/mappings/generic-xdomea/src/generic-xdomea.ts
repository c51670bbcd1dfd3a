import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { buildXdomea0401, buildXdomea0605, safeEntryName } from '@weiche/xoev';
import type { XdomeaDocumentInput } from '@weiche/xoev';
import type { MappingModule, MappingResult, PackageEntry, SubmissionContext } from '@weiche/mapping-sdk';
import { extensionFor } from './file-extension.js';

/** Knobs for tests and special deployments; the exported module uses the defaults. */
export interface GenericXdomeaOptions {
  /** Schema cache holding the Dateiformat code list; default resolveSchemaCacheDir(). */
  cacheDir?: string;
  /** Clock for Erstellungszeitpunkt. */
  now?: () => Date;
}

interface PlannedDocument {
  doc: XdomeaDocumentInput;
  entry: PackageEntry;
}

function plan(title: string, originalName: string, mimeType: string, source: PackageEntry['source']): PlannedDocument {
  const id = randomUUID();
  // xdomea stringDateinameType: the Dateiname starts with a UUID; the rest is the sanitised sender name.
  const fileName = safeEntryName(`${id}_${safeEntryName(originalName)}`);
  return { doc: { id, title, fileName, originalName, mimeType }, entry: { name: fileName, mimeType, source } };
}

function remarks(ctx: SubmissionContext): string {
  return [
    `Leistung: ${ctx.serviceIdentifier}`,
    ...(ctx.senderReference === undefined ? [] : [`Referenz des Absenders: ${ctx.senderReference}`]),
    `Einreichung: ${ctx.submissionId}`,
  ].join('; ');
}

/** Builds the generic mapping: any submission → one xdomea 0401 Vorgang with one Dokument per file. */
export function createGenericXdomea(options: GenericXdomeaOptions = {}): MappingModule<unknown> {
  return {
    id: 'generic-xdomea',
    version: '1.0.0',
    sources: [{ schemaUri: '*' }],
    target: 'xdomea-3.1.0:0401',
    inputSchema: z.unknown(),
    map(_input: unknown, ctx: SubmissionContext): MappingResult {
      const prozessId = randomUUID();
      const attachments = ctx.attachments.map((a) => ({
        purpose: a.purpose,
        planned: plan(
          a.description ?? a.filename ?? a.attachmentId,
          a.filename ?? `${a.attachmentId}.${extensionFor(a.mimeType)}`,
          a.mimeType,
          () => a.open(),
        ),
      }));
      const data = ctx.data
        ? [plan('Strukturierte Antragsdaten', `fachdaten.${extensionFor(ctx.data.mimeType) === 'xml' ? 'xml' : 'json'}`, ctx.data.mimeType, ctx.data.content)]
        : [];
      // Order a clerk expects (xoev-targets.md): the form PDF, the structured data, then the attachments.
      const ordered = [
        ...attachments.filter((a) => a.purpose === 'form').map((a) => a.planned),
        ...data,
        ...attachments.filter((a) => a.purpose !== 'form').map((a) => a.planned),
      ];
      const messageXml = buildXdomea0401({
        prozessId,
        createdAt: (options.now ?? (() => new Date()))(),
        sender: ctx.sender,
        recipient: {
          behoerdenkennung: ctx.tenant.behoerdenkennung,
          name: ctx.tenant.name,
          ...(ctx.tenant.organisationseinheit === undefined ? {} : { organisationseinheit: ctx.tenant.organisationseinheit }),
        },
        sendingSystem: ctx.hub,
        subject: ctx.serviceName ?? ctx.serviceIdentifier,
        remarks: remarks(ctx),
        documents: ordered.map((p) => p.doc),
        ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      });
      return {
        targetProfile: 'xdomea-3.1.0:0401',
        standardId: 'xdomea-3.1.0',
        packageName: `${prozessId}_Abgabe.Abgabe.0401.zip`,
        messageName: `${prozessId}_Abgabe.Abgabe.0401.xml`,
        messageXml,
        documents: ordered.map((p) => p.entry),
        prozessId,
      };
    },
  };
}

/** Any submission → one xdomea 0401 Vorgang (Betreff = service name or identifier). */
export const genericXdomea: MappingModule<unknown> = createGenericXdomea();

/** Builds the 0605 variant: any submission → FVDaten.SGOAblegen.0605 (the hub files one Vorgang into the DMS as a Fachverfahren would). */
export function createGenericXdomea0605(options: GenericXdomeaOptions = {}): MappingModule<unknown> {
  return {
    id: 'generic-xdomea-0605',
    version: '1.0.0',
    sources: [{ schemaUri: '*' }],
    target: 'xdomea-3.1.0:0605',
    inputSchema: z.unknown(),
    map(_input: unknown, ctx: SubmissionContext): MappingResult {
      const ids = ctx.newId ?? randomUUID;
      const prozessId = ids();
      const planned = (title: string, originalName: string, mimeType: string, source: PackageEntry['source']): PlannedDocument => {
        const id = ids();
        const fileName = safeEntryName(`${id}_${safeEntryName(originalName)}`);
        return { doc: { id, title, fileName, originalName, mimeType }, entry: { name: fileName, mimeType, source } };
      };
      const attachments = ctx.attachments.map((a) => ({
        purpose: a.purpose,
        planned: planned(a.description ?? a.filename ?? a.attachmentId, a.filename ?? `${a.attachmentId}.${extensionFor(a.mimeType)}`, a.mimeType, () => a.open()),
      }));
      const data = ctx.data
        ? [planned('Strukturierte Antragsdaten', `fachdaten.${extensionFor(ctx.data.mimeType) === 'xml' ? 'xml' : 'json'}`, ctx.data.mimeType, ctx.data.content)]
        : [];
      const ordered = [
        ...attachments.filter((a) => a.purpose === 'form').map((a) => a.planned),
        ...data,
        ...attachments.filter((a) => a.purpose !== 'form').map((a) => a.planned),
      ];
      const cacheDir = options.cacheDir ?? ctx.schemaCacheDir;
      const messageXml = buildXdomea0605({
        prozessId,
        createdAt: (options.now ?? ctx.now ?? (() => new Date()))(),
        sender: ctx.sender,
        recipient: {
          behoerdenkennung: ctx.tenant.behoerdenkennung,
          name: ctx.tenant.name,
          ...(ctx.tenant.organisationseinheit === undefined ? {} : { organisationseinheit: ctx.tenant.organisationseinheit }),
        },
        sendingSystem: ctx.hub,
        // The hub files on behalf of the online service; its product name identifies the filing account.
        erstellerkennung: ctx.hub.product,
        fachverfahrenObjektId: ctx.submissionId,
        subject: ctx.serviceName ?? ctx.serviceIdentifier,
        remarks: remarks(ctx),
        vorgangId: ids(),
        documents: ordered.map((p) => p.doc),
        ...(cacheDir === undefined ? {} : { cacheDir }),
      });
      return {
        targetProfile: 'xdomea-3.1.0:0605',
        standardId: 'xdomea-3.1.0',
        packageName: `${prozessId}_FVDaten.SGOAblegen.0605.zip`,
        messageName: `${prozessId}_FVDaten.SGOAblegen.0605.xml`,
        messageXml,
        documents: ordered.map((p) => p.entry),
        prozessId,
      };
    },
  };
}

/** Any submission → one xdomea FVDaten.SGOAblegen.0605 (for DMS that expect records filed by a Fachverfahren). */
export const genericXdomea0605: MappingModule<unknown> = createGenericXdomea0605();
