import { ErrorCode, inputProblem, type WeicheError } from '@weiche/core';
import { MAX_PROLOG_BYTES, type XmlPrologRefusal, type XmlPrologVerdict } from '@weiche/xml';

// The sender reads these (reject-submission detail, transport report); they name the part by its id only,
// never by the sender's file name (personal data, and the journal's problem is logged by id and code).
const DETAIL: Record<XmlPrologRefusal, string> = {
  doctype: 'Die Anlage ist XML mit einer Dokumenttyp-Deklaration (<!DOCTYPE>); DTDs und Entitäten werden nicht weitergegeben.',
  entity: 'Die Anlage ist XML mit einer Entitätsdeklaration (<!ENTITY>); DTDs und Entitäten werden nicht weitergegeben.',
  'prolog-too-long': `Die Anlage beginnt wie XML, ihr erstes Element folgt aber nicht innerhalb von ${MAX_PROLOG_BYTES / 1024} KiB; sie wird nicht weitergegeben.`,
  'unsupported-encoding': 'Die Anlage ist XML in einer Zeichenkodierung (EBCDIC), die nicht geprüft werden kann; sie wird nicht weitergegeben.',
};

/**
 * The hub's rule for the data (a DOCTYPE is a syntax violation, docs/architecture.md "Errors") applied to an
 * attachment the back office receives as it is: an XML or SVG attachment whose prolog declares a DTD or an
 * entity (XXE, billion laughs, SSRF at the DMS that opens it) is an input problem of that attachment.
 * Returns the problem to throw, or undefined for content without one (not XML, or XML without a DTD).
 */
export function attachmentMarkupProblem(verdict: XmlPrologVerdict, part: `attachment:${string}`): WeicheError | undefined {
  if (verdict.kind !== 'refused') return undefined;
  return inputProblem(ErrorCode.SYNTAX_VIOLATION, DETAIL[verdict.reason], { part, stage: 'open' });
}
