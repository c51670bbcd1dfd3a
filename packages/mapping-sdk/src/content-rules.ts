// What a receiver's import checks beyond the XSD (issue 16): integrity hashes that match the files,
// MIME types present, code-list versions that exist, formats true to the content, no made-up identity.
import { PINNED_XBAU_LIST_VERSIONS, dateiformatFor, inspectContent, parseXml, type ContentFacts } from '@weiche/xoev';
import type { MappingResult, PackageEntry } from './types.js';

/** List URIs whose version the XSD fixes itself (the hub writes them, the schema decides the version). */
const SCHEMA_FIXED_LISTS = new Map([
  ['urn:xoev-de:xbau:codeliste:xbau-nachrichten', '4.0'],
  ['urn:xoev-de:xdomea:codeliste:nachrichtentyp', '2.0'],
  ['urn:xoev-de:xdomea:codeliste:dateiformat', '1.0'],
]);

type Node = Record<string, unknown>;

function local(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

// Visits every element object (not text, not attributes) with its local name.
function walk(node: unknown, visit: (name: string, el: Node) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_') || key === '#text') continue;
    for (const el of Array.isArray(value) ? value : [value]) {
      if (el !== null && typeof el === 'object') visit(local(key), el as Node);
      else visit(local(key), { '#text': el });
      walk(el, visit);
    }
  }
}

function child(el: Node, name: string): unknown {
  const key = Object.keys(el).find((k) => !k.startsWith('@_') && local(k) === name);
  return key === undefined ? undefined : el[key];
}

function childEl(el: Node, name: string): Node {
  const c = child(el, name);
  return c !== null && typeof c === 'object' && !Array.isArray(c) ? (c as Node) : {};
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object' && '#text' in value) return text((value as Node)['#text']);
  return undefined;
}

async function factsOf(doc: PackageEntry): Promise<ContentFacts> {
  return inspectContent(Buffer.isBuffer(doc.source) ? doc.source : doc.source(), doc.mimeType);
}

/**
 * The content rules of one mapping result; returns the broken ones (empty = fine). Reads every
 * document once. `cacheDir` holds the Dateiformat code list (xdomea formats are checked against it).
 */
export async function checkContentRules(result: MappingResult, opts: { cacheDir?: string } = {}): Promise<string[]> {
  const problems: string[] = [];
  const parsed = parseXml(result.messageXml);
  const byName = new Map(result.documents.map((d) => [d.name, d]));
  const facts = new Map<string, ContentFacts>();
  const factsFor = async (name: string): Promise<ContentFacts | undefined> => {
    const doc = byName.get(name);
    if (!doc) return undefined;
    if (!facts.has(name)) facts.set(name, await factsOf(doc));
    return facts.get(name);
  };

  const elements: Array<[string, Node]> = [];
  walk(parsed, (name, el) => elements.push([name, el]));
  for (const [name, el] of elements) {
    const uri = el['@_listURI'];
    const version = el['@_listVersionID'];
    if (typeof uri === 'string') {
      const pinned = PINNED_XBAU_LIST_VERSIONS.get(uri) ?? SCHEMA_FIXED_LISTS.get(uri);
      if (pinned === undefined) problems.push(`${name}: code list ${uri} is not one the hub pins`);
      else if (version !== pinned) problems.push(`${name}: ${uri} has listVersionID ${String(version)}, pinned ${pinned}`);
    } else if (version !== undefined && ['verzeichnisdienst', 'kanal', 'anlageart', 'mimeType'].includes(name)) {
      problems.push(`${name}: listVersionID without listURI`);
    }
    if (name === 'kennung' || name === 'Behoerdenschluessel') {
      const value = text(el) ?? text(child(el, 'code')) ?? '';
      if (value === '' || /unbekannt|unknown/i.test(value)) problems.push(`${name}: placeholder identity "${value}"`);
    }
    if (name === 'anlage' && child(el, 'anhangOderVerlinkung') !== undefined && text(child(childEl(el, 'mimeType'), 'code')) === undefined) {
      problems.push('anlage without mimeType');
    }
    if (name === 'anhang') {
      const file = text(child(el, 'dateiname'));
      const hash = el['@_hashValue'];
      const f = file === undefined ? undefined : await factsFor(file);
      if (typeof hash !== 'string') problems.push(`anhang ${file ?? '?'}: no hashValue`);
      else if (f && hash !== f.sha256) problems.push(`anhang ${file ?? '?'}: hashValue is not the SHA-256 of the file in the package`);
    }
    if (name === 'Importbestaetigung' || name === 'Empfangsbestaetigung') {
      if (!['0', '1'].includes(text(el) ?? '')) problems.push(`${name}: xs:boolean written as "${text(el) ?? ''}", not 1/0`);
    }
    if (name === 'Format') {
      const file = text(child(childEl(el, 'Primaerdokument'), 'Dateiname'));
      const f = file === undefined ? undefined : await factsFor(file);
      const code = text(child(childEl(el, 'Name'), 'code'));
      if (f) {
        const expected = dateiformatFor(f, opts);
        if (code !== expected.code) problems.push(`Format of ${file ?? '?'}: code ${code ?? '?'}, content says ${expected.code}`);
        if (text(child(el, 'Version')) !== expected.version) problems.push(`Format of ${file ?? '?'}: Version ${text(child(el, 'Version')) ?? '?'}, content says ${expected.version}`);
      }
    }
  }
  return problems;
}
