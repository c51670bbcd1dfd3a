import { ErrorCode, WeicheError } from './errors.js';

/**
 * The one check for strings that arrive from outside and may be stored (ids, references, service
 * names, query values): PostgreSQL's text refuses U+0000 (a 500 "invalid byte sequence" otherwise),
 * an unpaired surrogate cannot be encoded as UTF-8, and an unbounded string is a memory and index
 * hazard. Channels call it at their edge and answer with their own refusal (problem, fault).
 */
export const EDGE_STRING_MAX = 2048;

// NUL, or a surrogate half without its partner (JSON "\ud800" decodes to one)
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored, or undefined when it can. Never echoes the content. */
export function edgeStringFault(value: string, maxLength: number = EDGE_STRING_MAX): string | undefined {
  if (value.length > maxLength) return `longer than ${maxLength} characters`;
  const bad = UNSTORABLE.exec(value);
  if (!bad) return undefined;
  return bad[0] === '\u0000' ? 'contains a NUL character' : 'contains an unpaired UTF-16 surrogate (not valid UTF-8)';
}

/**
 * Deepest nesting of arrays and objects accepted. JSON.parse takes any depth, but this check and what reads
 * the value after it (the mappings' form rows, the XML builders) recurse: a body of 20,000 `[` overflowed
 * the stack (a 500 at the edge, a dead letter in the mapping). No form or metadata comes near it.
 */
export const MAX_NESTING = 100;

/**
 * The first unstorable string in a parsed value (JSON body, params, query), as `path: reason`; a value
 * nested deeper than MAX_NESTING is refused the same way. `maxLength` bounds only keys and short fields;
 * long values (a compact JWE) are bounded by the body limit.
 */
export function findUnstorableString(value: unknown, path = '', maxLength = Number.POSITIVE_INFINITY, depth = 0): string | undefined {
  if (depth > MAX_NESTING) return `${path || 'value'}: nested deeper than ${MAX_NESTING} levels`;
  if (typeof value === 'string') {
    const fault = edgeStringFault(value, maxLength);
    return fault ? `${path || 'value'}: ${fault}` : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorableString(item, `${path}[${i}]`, maxLength, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object' && !Buffer.isBuffer(value) && !(value instanceof Uint8Array)) {
    for (const [key, item] of Object.entries(value)) {
      const keyFault = edgeStringFault(key, EDGE_STRING_MAX);
      const where = path ? `${path}.${keyFault ? '(key)' : key}` : keyFault ? '(key)' : key;
      if (keyFault) return `${where}: ${keyFault}`;
      const found = findUnstorableString(item, where, maxLength, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** 400 problem for an unstorable string (the channels' HTTP edge). */
export function unstorableInput(detail: string): WeicheError {
  return new WeicheError(ErrorCode.BAD_REQUEST, detail, { status: 400, retryable: false });
}
