import { randomUUID } from 'node:crypto';

/** A fresh MessageID in XTA's format `urn:de:xta:messageid:<prefix>:<id>` (xta-osci.md, MsgIdentification). */
export function newMessageId(prefix: string): string {
  return `urn:de:xta:messageid:${prefix}:${randomUUID()}`;
}
