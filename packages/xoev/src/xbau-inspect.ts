import { z } from 'zod';
import { WeicheError, ErrorCode } from '@weiche/core';
import { XBAU_ANTRAG_0200 } from './xbau-0200.js';
import type { PooledXsdValidator } from './xml-pool/xml-pool.js';

function localName(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

/**
 * Nodes visited per turn of the event loop. A 6 MiB XBau message parses into ~200,000 nodes: walked in one
 * piece it held the loop for 0.1–0.3 s while every other submission waited; a few thousand take milliseconds.
 */
const NODES_PER_TURN = 4096;

/** The children of a parsed node as [key, value] (an array's elements have no key of their own). */
function* childrenOf(node: unknown): Generator<readonly [string | undefined, unknown]> {
  if (Array.isArray(node)) {
    for (const n of node) yield [undefined, n];
  } else if (node !== null && typeof node === 'object') {
    for (const entry of Object.entries(node)) yield entry;
  }
}

/** Visits every keyed node depth-first in document order, yielding to the event loop between slices. */
async function walk(root: unknown, visit: (local: string, value: unknown) => void): Promise<void> {
  const stack = [childrenOf(root)];
  let visited = 0;
  for (let top = stack.at(-1); top; top = stack.at(-1)) {
    const next = top.next();
    if (next.done) {
      stack.pop();
      continue;
    }
    const [key, value] = next.value;
    if (key !== undefined) visit(localName(key), value);
    if (value !== null && typeof value === 'object') stack.push(childrenOf(value));
    if (++visited % NODES_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** What the hub needs from a parsed XBau message (parseXml output): its nachrichtenUUID and every referenced `dateiname`. */
export async function xbauMessageFacts(parsed: unknown): Promise<{ nachrichtenUUID?: string; dateinamen: string[] }> {
  let nachrichtenUUID: string | undefined;
  const dateinamen: string[] = [];
  await walk(parsed, (local, value) => {
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
