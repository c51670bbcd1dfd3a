import { z } from 'zod';
import { WeicheError, ErrorCode } from '@weiche/core';
import { XBAU_ANTRAG_0200 } from './xbau-0200.js';
import type { PooledXsdValidator } from './xml-pool/xml-pool.js';

function localName(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

function walk(node: unknown, visit: (local: string, value: unknown) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    visit(localName(key), value);
    walk(value, visit);
  }
}

/** What the hub needs from a parsed XBau message (parseXml output): its nachrichtenUUID and every referenced `dateiname`. */
export function xbauMessageFacts(parsed: unknown): { nachrichtenUUID?: string; dateinamen: string[] } {
  let nachrichtenUUID: string | undefined;
  const dateinamen: string[] = [];
  walk(parsed, (local, value) => {
    if (local === 'nachrichtenUUID' && nachrichtenUUID === undefined && typeof value === 'string') nachrichtenUUID = value;
    if (local === 'dateiname' && (typeof value === 'string' || typeof value === 'number')) dateinamen.push(String(value));
  });
  return { ...(nachrichtenUUID === undefined ? {} : { nachrichtenUUID }), dateinamen };
}

/** Validates an incoming message and throws SCHEMA_VIOLATION (the sender's input; not retryable) listing the first errors, with quoted values blanked (they may be personal data). */
export async function assertXsdValid(validator: PooledXsdValidator, xml: string | Uint8Array, label: string): Promise<void> {
  const result = await validator.validate(xml);
  if (result.valid) return;
  const errors = result.errors.slice(0, 5).map((e) => e.replace(/(value|string) '[^']*'/g, "$1 '…'"));
  throw new WeicheError(ErrorCode.SCHEMA_VIOLATION, `${label} fails ${validator.standardId} XSD validation: ${errors.join('; ')}`, { status: 422, retryable: false });
}

function childrenOfRoot(doc: Record<string, unknown>, rootLocal: string): Record<string, unknown> | undefined {
  const key = Object.keys(doc).find((k) => localName(k) === rootLocal);
  const root = key === undefined ? undefined : doc[key];
  return root !== null && typeof root === 'object' && !Array.isArray(root) ? (root as Record<string, unknown>) : undefined;
}

function hasChild(node: Record<string, unknown> | undefined, local: string): boolean {
  return node !== undefined && Object.keys(node).some((k) => localName(k) === local);
}

/**
 * Parsed XML (parseXml) of a baugenehmigung.antrag.0200 that is an application: the XSD lets every
 * body element be absent, but a message with only a header (no antragsteller, no bauvorhaben) is no
 * Bauantrag a Bauaufsicht can work on, so it is refused as a schema violation of the input.
 */
export const XbauAntragXml = z.record(z.string(), z.unknown()).superRefine((doc, ctx) => {
  const root = childrenOfRoot(doc, XBAU_ANTRAG_0200);
  if (!root) {
    ctx.addIssue({ code: 'custom', message: `root element must be ${XBAU_ANTRAG_0200}`, path: [XBAU_ANTRAG_0200] });
    return;
  }
  for (const part of ['antragsteller', 'bauvorhaben']) {
    if (!hasChild(root, part)) ctx.addIssue({ code: 'custom', message: `an application needs ${part}; a message with only a header is refused`, path: [XBAU_ANTRAG_0200, part] });
  }
});
export type XbauAntragXml = z.infer<typeof XbauAntragXml>;
