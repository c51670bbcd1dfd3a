// The DMS's answers to an Abgabe.Abgabe.0401: Abgabe.ImportBestaetigen.0402 (per Schriftgutobjekt:
// imported or not, and why) and Abgabe.EmpfangBestaetigen.0403 (received). Read with libxml2 and
// namespace-aware XPath, so any prefix works; a DOCTYPE is refused before parsing (no entities, no DTD fetch).
import { XmlDocument, XmlLibError } from 'libxml2-wasm';
import { create } from 'xmlbuilder2';
import { WeicheError, ErrorCode } from '@weiche/core';
import { XDOMEA_NS, kopfStart, type XdomeaParty } from './xdomea-common.js';
import { xmlText } from './xml-text.js';

/** One AbgegebenesObjekt of a 0402. */
export interface ImportedObject {
  /** IDSGO: the id of the Vorgang or Dokument the 0401 handed over. */
  objectId: string;
  imported: boolean;
  /** Fehlermeldung texts and FehlermeldungCode codes, in document order. */
  reasons: string[];
}

/** A parsed 0402 or 0403. */
export interface XdomeaConfirmation {
  messageType: '0402' | '0403';
  /** ProzessID of the Kopf: the one of the 0401 it answers. */
  prozessId: string;
  createdAt: Date;
  /** The DMS's own name (Absender/Institution/Name), when given. */
  absender?: string;
  /** 0402 only; empty for 0403. */
  objects: ImportedObject[];
}

const NS = { x: XDOMEA_NS };
const ROOTS = { 'Abgabe.ImportBestaetigen.0402': '0402', 'Abgabe.EmpfangBestaetigen.0403': '0403' } as const;

function refuse(message: string): WeicheError {
  return new WeicheError(ErrorCode.SCHEMA_VIOLATION, `xdomea confirmation: ${message}`, { status: 422, retryable: false });
}

// xs:boolean: "1"/"true" and "0"/"false" (the annotation asks for 1/0; both are lexically valid).
function parseBoolean(value: string): boolean {
  const v = value.trim();
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw refuse(`Erfolgreich is not an xs:boolean`);
}

/**
 * Parses a 0402 or 0403. Refuses a DOCTYPE (XXE, DTD fetch), anything not well-formed, another root
 * and a missing ProzessID with SCHEMA_VIOLATION; validating against the XSD is the caller's second step.
 */
export function parseXdomeaConfirmation(content: Buffer | string): XdomeaConfirmation {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  // A DOCTYPE can only stand in the prolog; refusing it anywhere also refuses it in comments, which is fine.
  if (/<!DOCTYPE/i.test(bytes.toString('latin1'))) throw refuse('a DOCTYPE is not accepted');
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromBuffer(bytes);
  } catch (error) {
    if (error instanceof XmlLibError) throw refuse('not well-formed XML');
    throw error;
  }
  try {
    const root = doc.root;
    const messageType = root.namespaceUri === XDOMEA_NS ? ROOTS[root.name as keyof typeof ROOTS] : undefined;
    if (!messageType) throw refuse(`root must be xdomea Abgabe.ImportBestaetigen.0402 or Abgabe.EmpfangBestaetigen.0403 (namespace ${XDOMEA_NS})`);
    const text = (xpath: string): string | undefined => doc.get(xpath, NS)?.content.trim() || undefined;
    const prozessId = text('/*/x:Kopf/x:ProzessID');
    if (!prozessId) throw refuse('Kopf/ProzessID is missing');
    const created = new Date(text('/*/x:Kopf/x:Erstellungszeitpunkt') ?? '');
    if (Number.isNaN(created.getTime())) throw refuse('Kopf/Erstellungszeitpunkt is not a date-time');
    const absender = text('/*/x:Kopf/x:Absender/x:Institution/x:Name');
    const objects = doc.find('/*/x:AbgegebenesObjekt', NS).map((node): ImportedObject => {
      const objectId = node.get('x:IDSGO', NS)?.content.trim();
      const ok = node.get('x:Erfolgreich', NS)?.content;
      if (!objectId || ok === undefined) throw refuse('AbgegebenesObjekt needs IDSGO and Erfolgreich');
      const reasons = [
        ...node.find('x:Fehlermeldung', NS).map((n) => n.content.trim()),
        ...node.find('x:FehlermeldungCode/code', NS).map((n) => `Code ${n.content.trim()}`),
      ].filter((r) => r !== '');
      return { objectId, imported: parseBoolean(ok), reasons };
    });
    if (messageType === '0402' && objects.length === 0) throw refuse('a 0402 names no AbgegebenesObjekt');
    return { messageType, prozessId, createdAt: created, ...(absender ? { absender } : {}), objects };
  } finally {
    doc.dispose();
  }
}

/** What a DMS puts into a 0402 (for tests and DMS simulators; the hub itself only reads them). */
export interface Xdomea0402Input {
  prozessId: string;
  createdAt: Date;
  sender: XdomeaParty;
  recipient: XdomeaParty;
  objects: ImportedObject[];
}

/** Builds Abgabe.ImportBestaetigen.0402 (NkBasisType Kopf, one AbgegebenesObjekt per object, Erfolgreich 1/0). */
export function buildXdomea0402(input: Xdomea0402Input): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele(XDOMEA_NS, 'xdomea:Abgabe.ImportBestaetigen.0402');
  kopfStart(root, { ...input, sendingSystem: { product: 'DMS', version: '1' }, messageType: '0402' });
  for (const o of input.objects) {
    const el = root.ele(XDOMEA_NS, 'xdomea:AbgegebenesObjekt');
    el.ele(XDOMEA_NS, 'xdomea:IDSGO').txt(o.objectId);
    el.ele(XDOMEA_NS, 'xdomea:Erfolgreich').txt(o.imported ? '1' : '0');
    for (const r of o.reasons) el.ele(XDOMEA_NS, 'xdomea:Fehlermeldung').txt(xmlText(r));
  }
  return doc.end({ prettyPrint: true });
}
