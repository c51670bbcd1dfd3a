import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { EDGE_STRING_MAX } from '@weiche/core';
import type { MsgBoxPosition, MsgBoxSelection } from '@weiche/journal';

/**
 * What an OSCI MsgBoxRequestID continues (OSCI2_02.xsd MsgBoxGetNextRequest): the selection, list form and size of the
 * request that opened it, and the box entry it answered last. getNextStatusList and getNextMessage resume after that
 * entry, so a client pages through its box with the MsgBoxRequestID of each answer.
 */
export interface MsgBoxContinuation {
  readonly selection: Omit<MsgBoxSelection, 'after'>;
  readonly form?: 'MsgAttributes' | 'MessageMetaData' | undefined;
  readonly limit: number;
  readonly after?: MsgBoxPosition | undefined;
}

// The state travels in the id itself (an xs:anyURI the hub chooses): nothing is kept per request, any replica continues
// it, and a forged one can only select within the caller's own box, which the caller may list anyway.
const PREFIX = 'urn:weiche:msgbox-request:';

const Continuation = z.object({
  s: z.object({
    messageIds: z.array(z.string()).optional(),
    relatesTo: z.array(z.string()).optional(),
    from: z.iso.datetime().optional(),
    to: z.iso.datetime().optional(),
    newOnly: z.boolean().optional(),
  }),
  f: z.enum(['MsgAttributes', 'MessageMetaData']).optional(),
  n: z.number().int().positive(),
  a: z.object({ offeredMicros: z.string().regex(/^-?[0-9]{1,19}$/), messageId: z.string() }).optional(),
});

/**
 * The MsgBoxRequestID that continues after `c.after`. One that would be longer than a request may carry (the hub refuses
 * strings over EDGE_STRING_MAX in any request: a MsgSelector naming dozens of MessageIDs) is a plain urn:uuid instead,
 * which continues nothing (RequestIdInvalid): better than an id whose every use is refused as too long.
 */
export function msgBoxRequestId(c: MsgBoxContinuation): string {
  const { from, to, ...rest } = c.selection;
  const state = {
    s: { ...rest, ...(from ? { from: from.toISOString() } : {}), ...(to ? { to: to.toISOString() } : {}) },
    ...(c.form ? { f: c.form } : {}),
    n: c.limit,
    ...(c.after ? { a: c.after } : {}),
  };
  const id = PREFIX + Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
  return id.length <= EDGE_STRING_MAX ? id : `urn:uuid:${randomUUID()}`;
}

/** What a MsgBoxRequestID continues; undefined for one this hub did not issue (OSCI reason RequestIdInvalid). */
export function continuationOf(requestId: string): MsgBoxContinuation | undefined {
  if (!requestId.startsWith(PREFIX)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(requestId.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = Continuation.safeParse(json);
  if (!parsed.success) return undefined;
  const { s, f, n, a } = parsed.data;
  const selection: MsgBoxSelection = {
    ...(s.messageIds ? { messageIds: s.messageIds } : {}),
    ...(s.relatesTo ? { relatesTo: s.relatesTo } : {}),
    ...(s.from ? { from: new Date(s.from) } : {}),
    ...(s.to ? { to: new Date(s.to) } : {}),
    ...(s.newOnly ? { newOnly: true } : {}),
  };
  return {
    selection,
    ...(f ? { form: f } : {}),
    limit: n,
    ...(a ? { after: a } : {}),
  };
}
