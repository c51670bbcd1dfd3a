import { describe, expect, it } from 'vitest';
import { decodeContinuation, encodeContinuation, type MsgBoxContinuation } from './msgbox-request-id.js';

describe('MsgBoxRequestID continuations', () => {
  const c: MsgBoxContinuation = {
    selection: { relatesTo: ['urn:de:xta:messageid:p:1'], from: new Date('2026-01-02T03:04:05.678Z'), newOnly: true },
    form: 'MsgAttributes',
    limit: 2,
    after: { offeredMicros: '1796011848269706', messageId: 'urn:de:xta:messageid:weiche:9' },
  };

  it('reads back the selection, form, size and position it was stored from', () => {
    expect(decodeContinuation(encodeContinuation(c))).toEqual(c);
    expect(decodeContinuation(encodeContinuation({ selection: {}, limit: 100 }))).toEqual({ selection: {}, limit: 100 });
  });

  it('reads nothing from a stored form that is not one', () => {
    for (const other of ['', 'not json', '{}', '{"s":{},"n":-1}', '{"s":{},"n":1,"a":{"offeredMicros":"x","messageId":"m"}}']) {
      expect(decodeContinuation(other), other).toBeUndefined();
    }
  });
});
