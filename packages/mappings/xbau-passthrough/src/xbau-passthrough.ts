import { WeicheError, ErrorCode } from '@weiche/core';
import { XBAU_ANTRAG_0200, XBAU_NS, assertXsdValid, resolveSchemaCacheDir, sharedXsdValidator, xbauMessageFacts } from '@weiche/xoev';
import { newIdFor } from '@weiche/mapping-sdk';
import type { MappingModule, MappingResult, PackageEntry, SubmissionAttachment, SubmissionContext } from '@weiche/mapping-sdk';
import { XbauAntragXml } from '@weiche/xoev';

/** Target profile: the XBau message itself. */
export const XBAU_PASSTHROUGH_TARGET = `xbau-2.6:${XBAU_ANTRAG_0200}` as const;

function mismatch(message: string): WeicheError {
  return new WeicheError(ErrorCode.ATTACHMENTS_MISMATCH, message, { status: 422, retryable: false });
}

/** Pairs every `dateiname` of the message with exactly one attachment of that file name; nothing is dropped silently. */
export function matchAttachments(dateinamen: string[], attachments: SubmissionAttachment[]): PackageEntry[] {
  const byName = new Map(attachments.filter((a) => a.filename !== undefined).map((a) => [a.filename, a]));
  const entries = dateinamen.map((name) => {
    const a = byName.get(name);
    if (!a) throw mismatch(`the XBau message references file ${name}, which was not submitted`);
    return { name, mimeType: a.mimeType, source: () => a.open() };
  });
  const referenced = new Set(dateinamen);
  const extra = attachments.filter((a) => a.filename === undefined || !referenced.has(a.filename));
  if (extra.length > 0) throw mismatch(`${extra.length} attachment(s) are not referenced by the XBau message: ${extra.map((a) => a.attachmentId).join(', ')}`);
  return entries;
}

/** Builds the mapping; `cacheDir` overrides where the XSDs are read from (default ctx.schemaCacheDir, then resolveSchemaCacheDir()). */
export function createXbauPassthrough(options: { cacheDir?: string } = {}): MappingModule<XbauAntragXml> {
  return {
    id: 'xbau-passthrough',
    version: '1.0.0',
    sources: [{ xmlNamespace: XBAU_NS, rootElement: XBAU_ANTRAG_0200 }],
    target: XBAU_PASSTHROUGH_TARGET,
    inputSchema: XbauAntragXml,
    async map(input: XbauAntragXml, ctx: SubmissionContext): Promise<MappingResult> {
      const raw = ctx.data?.content;
      if (!raw) throw new WeicheError(ErrorCode.SCHEMA_VIOLATION, 'xbau-passthrough needs the XBau message as structured data', { status: 422, retryable: false });
      const cacheDir = options.cacheDir ?? ctx.schemaCacheDir ?? resolveSchemaCacheDir();
      assertXsdValid(await sharedXsdValidator({ cacheDir, standardId: 'xbau-2.6' }), raw, XBAU_ANTRAG_0200);
      const facts = xbauMessageFacts(input);
      const prozessId = facts.nachrichtenUUID ?? newIdFor(ctx);
      return {
        targetProfile: XBAU_PASSTHROUGH_TARGET,
        standardId: 'xbau-2.6',
        packageName: `${prozessId}_${XBAU_ANTRAG_0200}.zip`,
        messageName: `${prozessId}_${XBAU_ANTRAG_0200}.xml`,
        // Unchanged, byte for byte (as UTF-8 text): the Fachverfahren receives what the sender signed off.
        messageXml: raw.toString('utf8'),
        documents: matchAttachments(facts.dateinamen, ctx.attachments),
        prozessId,
      };
    },
  };
}

/** XBau 2.6 baugenehmigung.antrag.0200 arriving as XML → XSD-validated and passed on unchanged. */
export const xbauPassthrough: MappingModule<XbauAntragXml> = createXbauPassthrough();
