import { z } from 'zod';
import { buildXdomea0401, buildXdomea0605, extensionFor } from '@weiche/xoev';
import { newIdFor, nowFor, parseSubmissionData, planXdomeaVorgang, xdomeaResult } from '@weiche/mapping-sdk';
import type { ApplicationData, MappingModule, MappingResult, SubmissionContext } from '@weiche/mapping-sdk';

/** Knobs for special deployments; the exported modules use the defaults. */
export interface GenericXdomeaOptions {
  /** Schema cache holding the Dateiformat code list; default ctx.schemaCacheDir, then resolveSchemaCacheDir(). */
  cacheDir?: string;
}

// The structured data as received: rendered into the PDF and shipped beside it as the second Format.
async function applicationData(ctx: SubmissionContext): Promise<ApplicationData | undefined> {
  if (!ctx.data) return undefined;
  const ext = extensionFor(ctx.data.mimeType) === 'xml' ? 'xml' : 'json';
  return { parsed: await parseSubmissionData(ctx.data), content: ctx.data.content, mimeType: ctx.data.mimeType, fileName: `fachdaten.${ext}` };
}

function recipient(ctx: SubmissionContext): { behoerdenkennung: string; name: string; organisationseinheit?: string } {
  return {
    behoerdenkennung: ctx.tenant.behoerdenkennung,
    name: ctx.tenant.name,
    ...(ctx.tenant.organisationseinheit === undefined ? {} : { organisationseinheit: ctx.tenant.organisationseinheit }),
  };
}

const ID = 'generic-xdomea';
const VERSION = '2.0.0';

/** Builds the generic mapping: any submission → one xdomea 0401 Vorgang (application as PDF/A + data, then the attachments). */
export function createGenericXdomea(options: GenericXdomeaOptions = {}): MappingModule<unknown> {
  return {
    id: ID,
    version: VERSION,
    sources: [{ schemaUri: '*' }],
    target: 'xdomea-3.1.0:0401',
    inputSchema: z.unknown(),
    async map(_input: unknown, ctx: SubmissionContext): Promise<MappingResult> {
      const cacheDir = options.cacheDir ?? ctx.schemaCacheDir;
      const prozessId = newIdFor(ctx);
      const data = await applicationData(ctx);
      const vorgang = await planXdomeaVorgang(ctx, { id: ID, version: VERSION }, { ...(data ? { data } : {}), ...(cacheDir === undefined ? {} : { cacheDir }) });
      const messageXml = buildXdomea0401({
        prozessId,
        createdAt: nowFor(ctx),
        sender: ctx.sender,
        recipient: recipient(ctx),
        sendingSystem: ctx.hub,
        ...vorgang,
        ...(cacheDir === undefined ? {} : { cacheDir }),
      });
      return xdomeaResult('xdomea-3.1.0:0401', 'Abgabe.Abgabe.0401', prozessId, messageXml, vorgang);
    },
  };
}

/** Any submission → one xdomea 0401 Vorgang (Betreff = service name and applicant). */
export const genericXdomea: MappingModule<unknown> = createGenericXdomea();

/** Builds the 0605 variant: any submission → FVDaten.SGOAblegen.0605 (the hub files one Vorgang into the DMS as a Fachverfahren would). */
export function createGenericXdomea0605(options: GenericXdomeaOptions = {}): MappingModule<unknown> {
  const id = 'generic-xdomea-0605';
  return {
    id,
    version: VERSION,
    sources: [{ schemaUri: '*' }],
    target: 'xdomea-3.1.0:0605',
    inputSchema: z.unknown(),
    async map(_input: unknown, ctx: SubmissionContext): Promise<MappingResult> {
      const cacheDir = options.cacheDir ?? ctx.schemaCacheDir;
      const prozessId = newIdFor(ctx);
      const data = await applicationData(ctx);
      const vorgang = await planXdomeaVorgang(ctx, { id, version: VERSION }, { ...(data ? { data } : {}), ...(cacheDir === undefined ? {} : { cacheDir }) });
      const messageXml = buildXdomea0605({
        prozessId,
        createdAt: nowFor(ctx),
        sender: ctx.sender,
        recipient: recipient(ctx),
        sendingSystem: ctx.hub,
        // The hub files on behalf of the online service; its product name identifies the filing account.
        erstellerkennung: ctx.hub.product,
        fachverfahrenObjektId: ctx.submissionId,
        ...vorgang,
        ...(cacheDir === undefined ? {} : { cacheDir }),
      });
      return xdomeaResult('xdomea-3.1.0:0605', 'FVDaten.SGOAblegen.0605', prozessId, messageXml, vorgang);
    },
  };
}

/** Any submission → one xdomea FVDaten.SGOAblegen.0605 (for DMS that expect records filed by a Fachverfahren). */
export const genericXdomea0605: MappingModule<unknown> = createGenericXdomea0605();
