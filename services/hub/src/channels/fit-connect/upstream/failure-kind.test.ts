import { describe, expect, it } from 'vitest';
import { ErrorCode, WeicheError } from '@weiche/core';
import { UpstreamAnswerError } from './answer-shape.js';
import { UpstreamHttpError, UpstreamTransportError } from './api-client.js';
import { fitConnectFailureKind } from './failure-kind.js';

/** A Node system error as the TLS or socket layer reports it. */
const systemError = (message: string, code: string): Error => Object.assign(new Error(message), { code });

// weiche_upstream_failures_total{kind}: what an operator needs to tell apart
describe('fitConnectFailureKind', () => {
  it('no connection or no answer in time is `connection`; a TLS handshake refused or a certificate not trusted is `tls`', async () => {
    // fetch to a port nothing listens on (discard, 9/tcp), wrapped as the API client wraps it
    const refused = await fetch('http://127.0.0.1:9/v1/destinations').catch((error: unknown) => new UpstreamTransportError('list submissions', error as Error));
    expect(fitConnectFailureKind(refused)).toBe('connection');
    expect(fitConnectFailureKind(new DOMException('no data for 30000 ms', 'TimeoutError'))).toBe('connection');
    const handshake = new TypeError('fetch failed', { cause: systemError('tlsv13 alert certificate required', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') });
    expect(fitConnectFailureKind(new UpstreamTransportError('token request', handshake))).toBe('tls');
    expect(fitConnectFailureKind(new UpstreamTransportError('token request', systemError('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')))).toBe('tls');
  });

  it('401/403 is `auth`, another status `upstream-error`, an answer off the API `invalid-answer`, over the limits `too-large`, else `other`', () => {
    expect(fitConnectFailureKind(new UpstreamHttpError(401, 'token request'))).toBe('auth');
    expect(fitConnectFailureKind(new UpstreamHttpError(403, 'list submissions'))).toBe('auth');
    expect(fitConnectFailureKind(new UpstreamHttpError(503, 'get attachment'))).toBe('upstream-error');
    expect(fitConnectFailureKind(new UpstreamAnswerError('list submissions', 'no JSON'))).toBe('invalid-answer');
    expect(fitConnectFailureKind(new WeicheError(ErrorCode.PAYLOAD_TOO_LARGE, 'get attachment: over 10 bytes'))).toBe('too-large');
    expect(fitConnectFailureKind(new Error('connection terminated unexpectedly'))).toBe('other');
  });
});
