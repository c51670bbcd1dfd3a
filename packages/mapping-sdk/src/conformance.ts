import { parseXml } from '@weiche/xoev';
import type { XsdValidator } from '@weiche/xoev';
import type { MappingResult } from './types.js';

function collectFileNames(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) collectFileNames(n, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    const local = key.slice(key.indexOf(':') + 1).toLowerCase();
    if (local === 'dateiname' && (typeof value === 'string' || typeof value === 'number')) out.add(String(value));
    else collectFileNames(value, out);
  }
}

/** The package rules every mapping result must meet; returns the broken ones (empty = conformant). */
export function checkMappingResult(result: MappingResult, validator: XsdValidator): string[] {
  const problems: string[] = [];
  const [standard, message] = result.targetProfile.split(':');
  if (standard !== result.standardId) problems.push(`targetProfile ${result.targetProfile} does not name standard ${result.standardId}`);
  if (validator.standardId !== result.standardId) problems.push(`validator is for ${validator.standardId}, result is ${result.standardId}`);
  const xsd = validator.validate(result.messageXml);
  if (!xsd.valid) problems.push(...xsd.errors.map((e) => `XSD: ${e}`));
  const names = [result.messageName, ...result.documents.map((d) => d.name)];
  if (new Set(names).size !== names.length) problems.push('package entry names are not unique');
  for (const name of names) {
    if (/[/\\]/.test(name) || name.startsWith('.')) problems.push(`entry name is not a safe root name: ${name}`);
  }
  if (!result.packageName.startsWith(result.prozessId)) problems.push('packageName does not start with the prozessId');
  if (message && !result.messageName.includes(message)) problems.push(`messageName does not name message ${message}`);
  // Every primary file must be referenced by the message, and every referenced file shipped.
  const referenced = new Set<string>();
  collectFileNames(parseXml(result.messageXml), referenced);
  for (const d of result.documents) if (!referenced.has(d.name)) problems.push(`document ${d.name} is not referenced in the message`);
  for (const r of referenced) if (!result.documents.some((d) => d.name === r)) problems.push(`message references ${r}, not in the package`);
  return problems;
}
