import type { ClientRequest } from 'node:http';
import { TLSSocket } from 'node:tls';

/** Node's TLS and certificate error codes (ERR_SSL_*, ERR_TLS_*, OpenSSL's verify codes such as CERT_HAS_EXPIRED), and the hub's own WEICHE_TLS_*. */
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|WEICHE_TLS_)|CERT|SIGNATURE|^UNABLE_TO_/;

/**
 * The TLS code of an error, looked for on its chain of causes (Node's fetch says only "fetch failed", an upstream
 * client wraps what it got): the one test of "is this a TLS error" for upstream failure kinds, Redis outages and
 * the operator's line. Undefined when the error is no TLS error.
 */
export function tlsErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_CODE.test(code)) return code;
  }
  return undefined;
}

/**
 * A transport error in a line an operator reads: the TLS or socket code (a refused client certificate, an untrusted
 * server certificate, a refused connection), never a secret. Node's fetch says only "fetch failed": its `cause` is
 * what names the problem.
 */
export function describeTransportError(error: Error & { code?: unknown; cause?: unknown }): string {
  if (error instanceof TypeError && error.message === 'fetch failed' && error.cause instanceof Error) return describeTransportError(error.cause);
  const tls = tlsErrorCode(error);
  if (tls !== undefined) return `TLS refused: ${tls}`;
  const code = typeof error.code === 'string' ? error.code : undefined;
  const line = error.message.split('\n')[0]?.slice(0, 200) ?? 'connection failed';
  return code && !line.includes(code) ? `${line} (${code})` : line;
}

/** The hub's code for a hang-up right after a TLS 1.3 handshake in which it presented a client certificate. */
export const TLS_HANG_UP_AFTER_CLIENT_CERTIFICATE = 'WEICHE_TLS_HANG_UP_AFTER_CLIENT_CERTIFICATE';
/** How the connection ends when the server closes it, or resets it with the request unread. */
const HANG_UP = new Set(['ECONNRESET', 'EPIPE']);

/**
 * A TLS 1.3 server checks the client certificate only after the handshake (RFC 8446 §4.4: the client's Certificate
 * comes with its Finished, and the client sends its request at once). A refusal then reaches the client as an alert
 * on read (ERR_SSL_…, a TLS code already) or, when the server just closes (Node's TLS server does) or its alert is
 * lost to the reset, as a bare hang-up before any answer. Watches `req` — a request that presents a client
 * certificate — and returns what to report for its error: on a fresh connection that completed a TLS 1.3 handshake,
 * a hang-up before the answer is that refusal (code TLS_HANG_UP_AFTER_CLIENT_CERTIFICATE, with the hang-up as
 * its cause); any other error is returned as it is. A reused keep-alive connection the server closed is no refusal.
 */
export function watchClientCertificateRefusal(req: ClientRequest): (error: Error) => Error {
  let handshakeTls13 = false;
  let answered = false;
  req.once('response', () => (answered = true));
  req.once('socket', (socket) => {
    if (req.reusedSocket || !(socket instanceof TLSSocket)) return;
    socket.once('secureConnect', () => (handshakeTls13 = socket.getProtocol() === 'TLSv1.3'));
  });
  return (error) => {
    const code = (error as { code?: unknown }).code;
    if (!handshakeTls13 || answered || typeof code !== 'string' || !HANG_UP.has(code)) return error;
    const refused = new Error('the server hung up right after the TLS 1.3 handshake, before answering: it does not accept the client certificate', { cause: error });
    return Object.assign(refused, { code: TLS_HANG_UP_AFTER_CLIENT_CERTIFICATE });
  };
}
