import { ErrorCode, WeicheError } from '@weiche/core';
import { quoteSchema } from './schema-name.js';

/**
 * What the audit chain needs of the hub's evidence keys (implemented by EvidenceKeyring in @weiche/crypto):
 * a MAC per record under the current key, signatures on checkpoints, and checks for both under any key
 * that is still in the ring after a rotation.
 */
export interface AuditKeys {
  readonly currentKid: string;
  /** MAC of `data` under `kid`; undefined for a kid not in the ring. */
  mac(kid: string, data: string): string | undefined;
  checkMac(kid: string, data: string, mac: string): boolean;
  sign(payload: Record<string, unknown>, typ: string): Promise<string>;
  /** Throws when the signature does not hold or the kid is unknown. */
  verify(jws: string, typ: string): Promise<{ kid: string; payload: unknown }>;
}

// By quoted schema. appendAudit keeps its (client, schema, input) shape, so every store that appends
// (journal, queries, XTA and the channels to come) finds the key without each constructor taking it.
const bound = new Map<string, AuditKeys>();

/** Makes `keys` the evidence keys of the journal in `schema` for this process (the hub does this at start). */
export function bindAuditKeys(schema: string, keys: AuditKeys): void {
  bound.set(quoteSchema(schema), keys);
}

/**
 * The evidence keys bound to a quoted schema. None bound is a programming error: failing closed
 * here is what keeps an unkeyed record out of the chain.
 */
export function auditKeysFor(quotedSchema: string): AuditKeys {
  const keys = bound.get(quotedSchema);
  if (!keys) throw new WeicheError(ErrorCode.INTERNAL, `no evidence key bound for journal schema ${quotedSchema} (bindAuditKeys at start)`);
  return keys;
}
