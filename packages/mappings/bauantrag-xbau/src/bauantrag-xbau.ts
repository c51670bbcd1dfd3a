import { WeicheError, ErrorCode } from '@weiche/core';
import { XBAU_ANTRAG_0200, XBAU_NS, buildXbauAntrag0200, extensionFor, prefixedEntryName, safeEntryName, xbauDateiname } from '@weiche/xoev';
import type { XbauAkteur, XbauAnlage, XbauAnschrift, XbauFlurstueck, XbauKommunikation } from '@weiche/xoev';
import { attachmentFacts, newIdFor, nowFor } from '@weiche/mapping-sdk';
import type { MappingModule, MappingResult, PackageEntry, SubmissionContext } from '@weiche/mapping-sdk';
import { BAUANTRAG_SCHEMA_URI, BauantragForm } from './form-schema.js';
import type { Anschrift, Antragsteller, Kommunikation } from './form-schema.js';
import type { z } from 'zod';

/** Target profile of this module. */
export const BAUANTRAG_XBAU_TARGET = `xbau-2.6:${XBAU_ANTRAG_0200}` as const;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function anschrift(a: z.infer<typeof Anschrift>): XbauAnschrift {
  return {
    ...(a.strasse === undefined ? {} : { strasse: a.strasse }),
    ...(a.hausnummer === undefined ? {} : { hausnummer: a.hausnummer }),
    ...(a.postleitzahl === undefined ? {} : { postleitzahl: a.postleitzahl }),
    ort: a.ort,
    ...(a.ortsteil === undefined ? {} : { ortsteil: a.ortsteil }),
    ...(a.zusatz === undefined ? {} : { zusatz: a.zusatz }),
  };
}

function kommunikation(k: z.infer<typeof Kommunikation> | undefined): XbauKommunikation[] {
  if (!k) return [];
  // Erreichbarkeit codes: 01 E-Mail, 02 Telefon, 03 Mobiltelefon.
  return [
    ...(k.email === undefined ? [] : [{ kanal: '01' as const, kennung: k.email }]),
    ...(k.telefon === undefined ? [] : [{ kanal: '02' as const, kennung: k.telefon }]),
    ...(k.mobil === undefined ? [] : [{ kanal: '03' as const, kennung: k.mobil }]),
  ];
}

function akteur(a: z.infer<typeof Antragsteller>): XbauAkteur {
  if ('natuerlichePerson' in a) {
    const p = a.natuerlichePerson;
    return {
      natuerlichePerson: {
        familienname: p.familienname,
        ...(p.anrede === undefined ? {} : { anrede: p.anrede }),
        ...(p.titel === undefined ? {} : { titel: p.titel }),
        ...(p.vorname === undefined ? {} : { vorname: p.vorname }),
        ...(p.anschrift === undefined ? {} : { anschrift: anschrift(p.anschrift) }),
        kommunikation: kommunikation(p.kommunikation),
      },
    };
  }
  const o = a.organisation;
  return {
    organisation: {
      name: o.name,
      ...(o.kurzbezeichnung === undefined ? {} : { kurzbezeichnung: o.kurzbezeichnung }),
      ...(o.anschrift === undefined ? {} : { anschrift: anschrift(o.anschrift) }),
      kommunikation: kommunikation(o.kommunikation),
    },
  };
}

/**
 * Gemarkung, Flur and Flurstück coded in kodierungFlurstueck: a Gemarkung of digits is its cadastral
 * number, else its name; `345/6` is Zähler 345 and Nenner 6. A Flurstück the cadastre notation does not
 * fit stays text in weitereAngaben (the XSD reserves it for what no element expresses).
 */
function flurstueck(g: BauantragForm['bauvorhaben']['baugrundstueck']): { coded: XbauFlurstueck[]; text: string[] } {
  if (g.gemarkung === undefined && g.flur === undefined && g.flurstueck === undefined) return { coded: [], text: [] };
  const nummer = g.flurstueck === undefined ? undefined : /^(\d+)(?:\s*\/\s*(\d+))?$/.exec(g.flurstueck);
  const coded: XbauFlurstueck = {
    ...(g.gemarkung === undefined ? {} : { gemarkung: /^\d+$/.test(g.gemarkung) ? { nummer: g.gemarkung } : { bezeichnung: g.gemarkung } }),
    ...(g.flur === undefined ? {} : { flur: g.flur }),
    ...(nummer?.[1] === undefined ? {} : { zaehler: nummer[1] }),
    ...(nummer?.[2] === undefined ? {} : { nenner: nummer[2] }),
  };
  const text = g.flurstueck !== undefined && !nummer ? [`Flurstück ${g.flurstueck}`] : [];
  return { coded: [coded], text };
}

function configError(message: string): WeicheError {
  return new WeicheError(ErrorCode.CONFIG_INVALID, `bauantrag-xbau: ${message}`, { retryable: false });
}

/** Every form `anlagen[].attachmentId` must name a submitted attachment; otherwise the form lies about its files. */
function checkAnlagen(form: BauantragForm, ctx: SubmissionContext): void {
  const known = new Set(ctx.attachments.map((a) => a.attachmentId));
  (form.anlagen ?? []).forEach((a, i) => {
    if (!known.has(a.attachmentId)) {
      throw new WeicheError(ErrorCode.SCHEMA_VIOLATION, `data does not fit mapping bauantrag-xbau: anlagen.${i}.attachmentId: names no submitted attachment`, {
        status: 422,
        retryable: false,
      });
    }
  });
}

/** Builds the mapping; the exported `bauantragXbau` uses the defaults. */
export function createBauantragXbau(options: { produkthersteller?: string } = {}): MappingModule<BauantragForm> {
  return {
    id: 'bauantrag-xbau',
    version: '1.0.0',
    sources: [{ schemaUri: BAUANTRAG_SCHEMA_URI }],
    target: BAUANTRAG_XBAU_TARGET,
    inputSchema: BauantragForm,
    async map(form: BauantragForm, ctx: SubmissionContext): Promise<MappingResult> {
      checkAnlagen(form, ctx);
      // The Fachverfahren routes its replies to the autor: only a configured identity may go out.
      const autorKennung = ctx.sender.behoerdenkennung;
      if (autorKennung === undefined) throw configError(`sender ${ctx.sender.name} has no behoerdenkennung configured (senderClients[].behoerdenkennung)`);
      const nachrichtenUUID = newIdFor(ctx);
      const meta = new Map((form.anlagen ?? []).map((a) => [a.attachmentId, a]));
      const documents: PackageEntry[] = [];
      const anlagen: XbauAnlage[] = [];
      for (const a of ctx.attachments) {
        const id = newIdFor(ctx);
        // hashValue and mimeType describe the file as shipped: read from its bytes, not from the declaration.
        const facts = await attachmentFacts(a);
        const ext = extensionFor(facts.mimeType === 'application/octet-stream' ? a.mimeType : facts.mimeType);
        const original = safeEntryName(a.filename ?? `${a.attachmentId}.${ext}`);
        // The entry name must fit both the XBau Dateiname pattern and the ZIP rules (UUID prefix keeps it unique).
        const name = prefixedEntryName(id, xbauDateiname(original, ext));
        documents.push({ name, mimeType: facts.mimeType, source: () => a.open() });
        const m = meta.get(a.attachmentId);
        // bezeichnung falls back to the sender's own file name, so it is kept in the message.
        const bezeichnung = m?.bezeichnung ?? a.description ?? a.filename ?? a.attachmentId;
        anlagen.push({
          bezeichnung,
          ...(m?.anlageart === undefined ? {} : { anlageart: m.anlageart }),
          ...(m?.datum === undefined ? {} : { datum: m.datum }),
          ...(m?.wirdNachgereicht === undefined ? {} : { wirdNachgereicht: m.wirdNachgereicht }),
          mimeType: facts.mimeType,
          dokumentId: id,
          dateiname: name,
          ...(facts.size > 0 ? { filesize: facts.size } : {}),
          sha256: facts.sha256,
        });
      }
      const bv = form.bauvorhaben;
      const g = bv.baugrundstueck;
      const parcel = flurstueck(g);
      const empfaenger = ctx.tenant.organisationseinheit === undefined ? ctx.tenant.name : `${ctx.tenant.name} - ${ctx.tenant.organisationseinheit}`;
      const messageXml = buildXbauAntrag0200({
        nachrichtenUUID,
        createdAt: nowFor(ctx),
        produkt: ctx.hub.product,
        produkthersteller: options.produkthersteller ?? `${ctx.hub.product}-Projekt`,
        produktversion: ctx.hub.version,
        // leser: who reads and processes the message — the back office of a delegation (docs/delegation.md);
        // empfangendeStelle stays the authority the application is addressed to
        leser: ctx.processingTenant === undefined ? { kennung: ctx.tenant.behoerdenkennung, name: ctx.tenant.name } : { kennung: ctx.processingTenant.behoerdenkennung, name: ctx.processingTenant.name },
        autor: { kennung: autorKennung, name: ctx.sender.name },
        // referenzAntragsservice is a UUID in XBau; FIT-Connect submission ids are UUIDs.
        ...(UUID.test(ctx.submissionId) ? { referenzAntragsservice: ctx.submissionId } : {}),
        empfangendeStelle: { kennung: ctx.tenant.behoerdenkennung, name: empfaenger },
        antragsteller: form.antragsteller.map(akteur),
        bauvorhaben: {
          bezeichnung: bv.bezeichnung,
          grundstueck: anschrift({ ort: g.ort, ...pick(g) }),
          flurstuecke: parcel.coded,
          weitereAngaben: [...(bv.beschreibung === undefined ? [] : [bv.beschreibung]), ...parcel.text],
        },
        anlagen,
      });
      return {
        targetProfile: BAUANTRAG_XBAU_TARGET,
        standardId: 'xbau-2.6',
        packageName: `${nachrichtenUUID}_${XBAU_ANTRAG_0200}.zip`,
        messageName: `${nachrichtenUUID}_${XBAU_ANTRAG_0200}.xml`,
        messageXml,
        documents,
        prozessId: nachrichtenUUID,
      };
    },
  };
}

function pick(g: BauantragForm['bauvorhaben']['baugrundstueck']): Omit<z.infer<typeof Anschrift>, 'ort'> {
  return {
    ...(g.strasse === undefined ? {} : { strasse: g.strasse }),
    ...(g.hausnummer === undefined ? {} : { hausnummer: g.hausnummer }),
    ...(g.postleitzahl === undefined ? {} : { postleitzahl: g.postleitzahl }),
    ...(g.ortsteil === undefined ? {} : { ortsteil: g.ortsteil }),
  };
}

/** Bauantrag form data (urn:weiche:schema:bauantrag:1.0) → XBau 2.6 baugenehmigung.antrag.0200. */
export const bauantragXbau: MappingModule<BauantragForm> = createBauantragXbau();

/** Namespace the produced message is in (for routes that resolve XBau by XML root). */
export const BAUANTRAG_XBAU_NAMESPACE = XBAU_NS;
