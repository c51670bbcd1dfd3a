import { describe, expect, it } from 'vitest';
import { operationHint } from './operation-hint.js';
import { XTA_ACTIONS } from './operations.js';

describe('operationHint', () => {
  it('reads the operation from the action parameter, the MTOM start-info or a SOAPAction header', () => {
    expect(operationHint(`application/soap+xml; charset=utf-8; action="${XTA_ACTIONS.getMessage}"`, undefined)).toBe('getMessage');
    const startInfo = `multipart/related; type="application/xop+xml"; boundary=b; start-info="application/soap+xml; action=\\"${XTA_ACTIONS.sendMessage}\\""`;
    expect(operationHint(startInfo, undefined)).toBe('sendMessage');
    expect(operationHint('application/soap+xml', `"${XTA_ACTIONS.cancelMessage}"`)).toBe('cancelMessage');
    expect(operationHint('text/xml', XTA_ACTIONS.lookupService)).toBe('lookupService');
  });

  it('names no operation for an unknown or missing action, and the media type wins over SOAPAction', () => {
    expect(operationHint('application/soap+xml', undefined)).toBeUndefined();
    expect(operationHint('application/soap+xml; action="urn:other"', '"urn:x"')).toBeUndefined();
    expect(operationHint(`application/soap+xml; action="${XTA_ACTIONS.close}"`, XTA_ACTIONS.createMessageId)).toBe('close');
  });
});
