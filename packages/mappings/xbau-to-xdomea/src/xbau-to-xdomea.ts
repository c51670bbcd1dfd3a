import { XBAU_ANTRAG_0200, XBAU_NS, assertXsdValid, buildXdomea0401, extensionFor, resolveSchemaCacheDir, safeEntryName, sharedXsdValidator, xbauMessageFacts } from '@weiche/xoev';
import type { XdomeaDocumentInput } from '@weiche/xoev';
import { newIdFor, nowFor } from '@weiche/mapping-sdk';
import type { MappingModule, MappingResult, PackageEntry, SubmissionContext } from '@weiche/mapping-sdk';
import { XbauAntragXml } from '@weiche/xoev';

/** Target profile: an xdomea Abgabe for the DMS. */
export const XBAU_TO_XDOMEA_TARGET = 'xdomea-3.1.0:0401' as const;

interface Planned {
  doc: XdomeaDocumentInput;
  entry: PackageEntry;
}

function plan(ctx: SubmissionContext, title: string, originalName: string, mimeType: string, source: PackageEntry['source']): Planned {
  const id = newIdFor(ctx);
  // xdomea stringDateinameType: the Dateiname starts with a UUID (xoev-targets.md, packaging).
  const fileName = safeEntryName(`${id}_${safeEntryName(originalName)}`);
  return { doc: { id, title, fileName, originalName, mimeType }, entry: { name: fileName, mimeType, source } };
}

/** Builds the mapping; `cacheDir` overrides where XSDs and code lists are read from (default ctx.schemaCacheDir, then resolveSchemaCacheDir()). */
export function createXbauToXdomea(options: { cacheDir?: string } = {}): MappingModule<XbauAntragXml> {
  return {
    id: 'xbau-to-xdomea',
    version: '1.0.0',
    sources: [{ xmlNamespace: XBAU_NS, rootElement: XBAU_ANTRAG_0200 }],
    target: XBAU_TO_XDOMEA_TARGET,
    inputSchema: XbauAntragXml,
    async map(input: XbauAntragXml, ctx: SubmissionContext): Promise<MappingResult> {
      const raw = ctx.data?.content ?? Buffer.alloc(0);
      const cacheDir = options.cacheDir ?? ctx.schemaCacheDir ?? resolveSchemaCacheDir();
      // Wrap only what the Bauaufsicht could also read: an invalid XBau message is refused, not archived.
      assertXsdValid(await sharedXsdValidator({ cacheDir, standardId: 'xbau-2.6' }), raw, XBAU_ANTRAG_0200);
      const facts = xbauMessageFacts(input);
      const prozessId = newIdFor(ctx);
      const message = plan(ctx, `XBau-Nachricht ${XBAU_ANTRAG_0200}`, `${XBAU_ANTRAG_0200}.xml`, 'application/xml', raw);
      const attachments = ctx.attachments.map((a) =>
        plan(ctx, a.description ?? a.filename ?? a.attachmentId, a.filename ?? `${a.attachmentId}.${extensionFor(a.mimeType)}`, a.mimeType, () => a.open()),
      );
      const ordered = [message, ...attachments];
      const remarks = [
        `Leistung: ${ctx.serviceIdentifier}`,
        ...(facts.nachrichtenUUID === undefined ? [] : [`XBau-Nachricht: ${facts.nachrichtenUUID}`]),
        ...(ctx.senderReference === undefined ? [] : [`Referenz des Absenders: ${ctx.senderReference}`]),
        `Einreichung: ${ctx.submissionId}`,
      ].join('; ');
      const messageXml = buildXdomea0401({
        prozessId,
        createdAt: nowFor(ctx),
        sender: ctx.sender,
        recipient: {
          behoerdenkennung: ctx.tenant.behoerdenkennung,
          name: ctx.tenant.name,
          ...(ctx.tenant.organisationseinheit === undefined ? {} : { organisationseinheit: ctx.tenant.organisationseinheit }),
        },
        sendingSystem: ctx.hub,
        subject: ctx.serviceName ?? 'Bauantrag (XBau baugenehmigung.antrag.0200)',
        remarks,
        vorgangId: newIdFor(ctx),
        documents: ordered.map((p) => p.doc),
        cacheDir,
      });
      return {
        targetProfile: XBAU_TO_XDOMEA_TARGET,
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

/** An XBau baugenehmigung.antrag.0200 plus its attachments → one xdomea 0401 Vorgang (the XBau XML as its first Dokument). */
export const xbauToXdomea: MappingModule<XbauAntragXml> = createXbauToXdomea();
