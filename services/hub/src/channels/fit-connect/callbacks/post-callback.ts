import { request } from 'node:https';

/** Why a callback POST did not succeed, in words safe for logs and operators (no body, no secret, no URL path). */
export class CallbackPostError extends Error {
  override readonly name = 'CallbackPostError';
}

/**
 * POSTs one callback over HTTPS. The receiver's certificate is verified against Node's trust store,
 * which includes the certificates named by NODE_EXTRA_CA_CERTS (and the OS store when Node runs with
 * --use-openssl-ca); plain http is refused (the OpenAPI's Callback.url pattern is ^https://). Redirects
 * are not followed: only a 2xx answer counts as received.
 */
export function postCallback(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  const target = new URL(url);
  if (target.protocol !== 'https:') return Promise.reject(new CallbackPostError('callback URL is not https'));
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        timeout: timeoutMs,
        rejectUnauthorized: true,
      },
      (res) => {
        // the answer's body is of no interest (and may hold anything): drain it
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new CallbackPostError(`receiver answered HTTP ${status}`));
        });
        res.on('error', (error) => reject(new CallbackPostError(`answer broke off: ${codeOf(error)}`)));
      },
    );
    req.on('timeout', () => req.destroy(new CallbackPostError(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(error instanceof CallbackPostError ? error : new CallbackPostError(`connection to ${target.host} failed: ${codeOf(error)}`)));
    req.end(body);
  });
}

function codeOf(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? error.message;
}
