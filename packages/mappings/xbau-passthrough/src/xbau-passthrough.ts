import { WeicheError, ErrorCode } from '@weiche/core';
import { XBAU_ANTRAG_0200, XBAU_NS, assertXsdValid, extensionFor, resolveSchemaCacheDir, safeEntryName, pooledXsdValidator, xbauMessageFacts } from '@weiche/xoev';
import { newIdFor } from '@weiche/mapping-sdk';
import type { MappingModule, MappingResult, PackageEntry, SubmissionAttachment, SubmissionContext } from '@weiche/mapping-sdk';
import { XbauAntragXml } from '@weiche/xoev';

/** Target profile: the XBau message itself. */
export const XBAU_PASSTHROUGH_TARGET = `xbau-2.6:${XBAU_ANTRAG_0200}` as const;

function mismatch(message: string): WeicheError {
  return new WeicheError(ErrorCode.ATTACHMENTS_MISMATCH, message, { status: 422, retryable: false });
}

/**
 * Pairs every `dateiname` of the message with one attachment of that file name (a referenced file that
 * was not sent is refused). Attachments the message does not reference are not lost: they travel in the
 * package beside the referenced ones, and a note says so for the audit record.
 */
export function matchAttachments(dateinamen: string[], attachments: SubmissionAttachment[]): { entries: PackageEntry[]; notes: string[] } {
  const unused = [...attachments];
  // Names a receiver on NTFS or a Windows share would store as one file ("Plan.pdf", "PLAN.pdf").
  const taken = new Set<string>();
  const entries: PackageEntry[] = dateinamen.map((name) => {
    // The message goes on unchanged, so its file must keep exactly this name in the package: one the ZIP
    // rules would rename ("CON.pdf", ".plan.pdf", over 255 bytes) would leave the reference pointing nowhere.
    if (safeEntryName(name) !== name) throw mismatch(`the XBau message references file ${name}, a name a receiver's file system cannot keep`);
    if (taken.has(name.toLowerCase())) throw mismatch(`the XBau message references file ${name} twice (names differing only in case are one file on Windows)`);
    taken.add(name.toLowerCase());
    const at = unused.findIndex((a) => a.filename === name);
    const a = unused.splice(at, 1)[0];
    if (at < 0 || !a) throw mismatch(`the XBau message references file ${name}, which was not submitted`);
    return { name, mimeType: a.mimeType, source: () => a.open() };
  });
  for (const a of unused) {
    const wanted = safeEntryName(a.filename ?? `${a.attachmentId}.${extensionFor(a.mimeType)}`);
    const name = taken.has(wanted.toLowerCase()) ? safeEntryName(`${a.attachmentId}_${wanted}`) : wanted;
    taken.add(name.toLowerCase());
    entries.push({ name, mimeType: a.mimeType, source: () => a.open() });
  }
  const notes = unused.length === 0 ? [] : [`${unused.length} attachment(s) not referenced by the XBau message, delivered beside it: ${unused.map((a) => a.attachmentId).join(', ')}`];
  return { entries, notes };
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
      await assertXsdValid(pooledXsdValidator({ cacheDir, standardId: 'xbau-2.6' }), raw, XBAU_ANTRAG_0200);
      const facts = await xbauMessageFacts(input);
      const prozessId = facts.nachrichtenUUID ?? newIdFor(ctx);
      // The files are named by an id of the hub's (per submission and target), not the sender's nachrichtenUUID:
      // a sender may use that UUID again in another submission, and one package would replace the other in the
      // receiver's folder (or be taken for it and never written).
      const fileId = newIdFor(ctx);
      const { entries, notes } = matchAttachments(facts.dateinamen, ctx.attachments);
      return {
        targetProfile: XBAU_PASSTHROUGH_TARGET,
        standardId: 'xbau-2.6',
        packageName: `${fileId}_${XBAU_ANTRAG_0200}.zip`,
        messageName: `${fileId}_${XBAU_ANTRAG_0200}.xml`,
        // Unchanged, byte for byte (as UTF-8 text): the Fachverfahren receives what the sender signed off.
        messageXml: raw.toString('utf8'),
        documents: entries,
        prozessId,
        ...(notes.length > 0 ? { notes } : {}),
      };
    },
  };
}

/** XBau 2.6 baugenehmigung.antrag.0200 arriving as XML → XSD-validated and passed on unchanged. */
export const xbauPassthrough: MappingModule<XbauAntragXml> = createXbauPassthrough();
