import { describe, expect, it } from 'vitest';
import { requestAction, soapActionValue } from './request-action.js';
import { isXtaFault } from './xta-errors.js';

const A = 'http://www.xta.de/XTA/CreateMessageID';
const B = 'http://www.xta.de/XTA/CheckAccountActive';

describe('requestAction', () => {
  it('takes wsa:Action, else the media type action; a SOAPAction header alone names none', () => {
    expect(requestAction(A, [], undefined)).toBe(A);
    expect(requestAction(A, [A, A], A)).toBe(A);
    expect(requestAction(undefined, [A], A)).toBe(A);
    expect(requestAction(undefined, [], A)).toBeUndefined();
  });

  it('refuses actions that name different operations with an ActionMismatch 9022', () => {
    for (const [wsa, media, soapAction] of [[A, [B], undefined], [A, [], B], [undefined, [A, B], undefined], [undefined, [A], B]] as const) {
      let thrown: unknown;
      try {
        requestAction(wsa, media, soapAction);
      } catch (error) {
        thrown = error;
      }
      expect(isXtaFault(thrown) && [thrown.fehlernummer, thrown.addressing]).toEqual(['9022', { subcode: 'ActionMismatch' }]);
    }
  });

  it('reads a SOAPAction header without its quotes; "" and empty name none', () => {
    expect(soapActionValue(`"${A}"`)).toBe(A);
    expect(soapActionValue([` ${A} `])).toBe(A);
    expect([soapActionValue('""'), soapActionValue(''), soapActionValue(undefined)]).toEqual([undefined, undefined, undefined]);
  });
});
