import { WeicheError, ErrorCode } from '@weiche/core';
import type { XsdValidator } from './xsd-validator.js';

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
export function assertXsdValid(validator: XsdValidator, xml: string | Uint8Array, label: string): void {
  const result = validator.validate(xml);
  if (result.valid) return;
  const errors = result.errors.slice(0, 5).map((e) => e.replace(/(value|string) '[^']*'/g, "$1 '…'"));
  throw new WeicheError(ErrorCode.SCHEMA_VIOLATION, `${label} fails ${validator.standardId} XSD validation: ${errors.join('; ')}`, { status: 422, retryable: false });
}
