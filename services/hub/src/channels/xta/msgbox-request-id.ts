import { z } from 'zod';
import type { MsgBoxPosition, MsgBoxSelection } from '@weiche/journal';

/**
 * What an OSCI MsgBoxRequestID continues (OSCI2_02.xsd MsgBoxGetNextRequest, the WSDL's "fetch iterator"): the
 * selection, list form and size of the request that opened it, and the box entry delivered last under it.
 * getNextStatusList and getNextMessage resume after that entry. Kept by MsgBoxListings under the id.
 */
export interface MsgBoxContinuation {
  readonly selection: Omit<MsgBoxSelection, 'after'>;
  readonly form?: 'MsgAttributes' | 'MessageMetaData' | undefined;
  readonly limit: number;
  readonly after?: MsgBoxPosition | undefined;
}

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

/** The stored form of a continuation (compact JSON). */
export function encodeContinuation(c: MsgBoxContinuation): string {
  const { from, to, ...rest } = c.selection;
  return JSON.stringify({
    s: { ...rest, ...(from ? { from: from.toISOString() } : {}), ...(to ? { to: to.toISOString() } : {}) },
    ...(c.form ? { f: c.form } : {}),
    n: c.limit,
    ...(c.after ? { a: c.after } : {}),
  });
}

/** A continuation from its stored form; undefined for anything else. */
export function decodeContinuation(stored: string): MsgBoxContinuation | undefined {
  let json: unknown;
  try {
    json = JSON.parse(stored);
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
  return { selection, ...(f ? { form: f } : {}), limit: n, ...(a ? { after: a } : {}) };
}
