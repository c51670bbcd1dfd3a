/** Node's TLS and certificate error codes (ERR_SSL_*, ERR_TLS_*, OpenSSL's verify codes such as CERT_HAS_EXPIRED). */
export const TLS_CODE = /^(ERR_SSL_|ERR_TLS_)|CERT|SIGNATURE|^UNABLE_TO_/;

/**
 * A transport error in a line an operator reads: the TLS or socket code (a refused client certificate, an untrusted
 * server certificate, a refused connection), never a secret. Node's fetch says only "fetch failed": its `cause` is
 * what names the problem.
 */
export function describeTransportError(error: Error & { code?: unknown; cause?: unknown }): string {
  if (error instanceof TypeError && error.message === 'fetch failed' && error.cause instanceof Error) return describeTransportError(error.cause);
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code?.startsWith('ERR_SSL_')) return `TLS refused: ${code}`;
  const line = error.message.split('\n')[0]?.slice(0, 200) ?? 'connection failed';
  return code && !line.includes(code) ? `${line} (${code})` : line;
}
