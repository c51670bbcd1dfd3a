import { describe, expect, it } from 'vitest';
import { EDGE_STRING_MAX } from '@weiche/core';
import { continuationOf, msgBoxRequestId, type MsgBoxContinuation } from './msgbox-request-id.js';

describe('MsgBoxRequestID continuations', () => {
  const c: MsgBoxContinuation = {
    selection: { relatesTo: ['urn:de:xta:messageid:p:1'], from: new Date('2026-01-02T03:04:05.678Z'), newOnly: true },
    form: 'MsgAttributes',
    limit: 2,
    after: { offeredMicros: '1796011848269706', messageId: 'urn:de:xta:messageid:weiche:9' },
  };

  it('reads back the selection, form, size and position it was made from', () => {
    expect(continuationOf(msgBoxRequestId(c))).toEqual(c);
    expect(continuationOf(msgBoxRequestId({ selection: {}, limit: 100 }))).toEqual({ selection: {}, limit: 100 });
  });

  it('continues nothing for an id it did not issue or one altered', () => {
    const id = msgBoxRequestId(c);
    for (const other of ['urn:uuid:00000000-0000-4000-8000-000000000000', `${id.slice(0, -4)}!!!!`, 'urn:weiche:msgbox-request:e30', `urn:weiche:msgbox-request:${Buffer.from('{"s":{},"n":-1}').toString('base64url')}`]) {
      expect(continuationOf(other), other).toBeUndefined();
    }
  });

  it('is never longer than a request may carry: a selection of many MessageIDs gets an id that continues nothing', () => {
    const many = { selection: { messageIds: Array.from({ length: 60 }, (_, i) => `urn:de:xta:messageid:testportal:${i}-0000-4000-8000-000000000000`) }, limit: 10 };
    const id = msgBoxRequestId(many);
    expect(id.length).toBeLessThanOrEqual(EDGE_STRING_MAX);
    expect(continuationOf(id)).toBeUndefined();
  });
});
