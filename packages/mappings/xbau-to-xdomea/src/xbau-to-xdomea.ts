import { XBAU_ANTRAG_0200, XBAU_NS, XbauAntragXml, assertXsdValid, buildXdomea0401, resolveSchemaCacheDir, pooledXsdValidator, xbauMessageFacts } from '@weiche/xoev';
import { newIdFor, nowFor, planXdomeaVorgang, xdomeaResult } from '@weiche/mapping-sdk';
import type { MappingModule, MappingResult, SubmissionContext } from '@weiche/mapping-sdk';

/** Target profile: an xdomea Abgabe for the DMS. */
export const XBAU_TO_XDOMEA_TARGET = 'xdomea-3.1.0:0401' as const;

const ID = 'xbau-to-xdomea';
const VERSION = '2.0.0';

/** Builds the mapping; `cacheDir` overrides where XSDs and code lists are read from (default ctx.schemaCacheDir, then resolveSchemaCacheDir()). */
export function createXbauToXdomea(options: { cacheDir?: string } = {}): MappingModule<XbauAntragXml> {
  return {
    id: ID,
    version: VERSION,
    sources: [{ xmlNamespace: XBAU_NS, rootElement: XBAU_ANTRAG_0200 }],
    target: XBAU_TO_XDOMEA_TARGET,
    inputSchema: XbauAntragXml,
    async map(input: XbauAntragXml, ctx: SubmissionContext): Promise<MappingResult> {
      const raw = ctx.data?.content ?? Buffer.alloc(0);
      const cacheDir = options.cacheDir ?? ctx.schemaCacheDir ?? resolveSchemaCacheDir();
      // Wrap only what the Bauaufsicht could also read: an invalid XBau message is refused, not archived.
      await assertXsdValid(pooledXsdValidator({ cacheDir, standardId: 'xbau-2.6' }), raw, XBAU_ANTRAG_0200);
      const facts = await xbauMessageFacts(input);
      const prozessId = newIdFor(ctx);
      // The application Dokument: the XBau message rendered as PDF/A, the message itself as its second Format.
      const vorgang = await planXdomeaVorgang(
        { ...ctx, serviceName: ctx.serviceName ?? 'Bauantrag (XBau baugenehmigung.antrag.0200)' },
        { id: ID, version: VERSION },
        {
          data: { parsed: input, content: raw, mimeType: 'application/xml', fileName: `${XBAU_ANTRAG_0200}.xml` },
          extraFields: facts.nachrichtenUUID === undefined ? [] : [{ name: 'XBau-Nachricht', wert: facts.nachrichtenUUID }],
          cacheDir,
        },
      );
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
        ...vorgang,
        cacheDir,
      });
      return xdomeaResult(XBAU_TO_XDOMEA_TARGET, 'Abgabe.Abgabe.0401', prozessId, messageXml, vorgang);
    },
  };
}

/** An XBau baugenehmigung.antrag.0200 plus its attachments → one xdomea 0401 Vorgang (the application as PDF/A with the XBau XML as second Format). */
export const xbauToXdomea: MappingModule<XbauAntragXml> = createXbauToXdomea();
