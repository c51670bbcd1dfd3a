import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import { request } from 'node:https';
import { literalAddress, refusalOf, type TargetCheck } from './callback-target.js';

/** Why a callback POST did not succeed, in words safe for logs and operators (no body, no secret, no URL path). */
export class CallbackPostError extends Error {
  override readonly name = 'CallbackPostError';
  /** The receiver's HTTP status, if it answered: with the cause's errno, what the log says of a failed attempt. */
  readonly status: number | undefined;

  constructor(message: string, facts: { status?: number; cause?: unknown } = {}) {
    super(message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.status = facts.status;
  }
}

/** The callback's target address is not allowed (callback-target.ts): retrying will not change that. */
export class CallbackTargetRefused extends CallbackPostError {}

/** Every address a host name resolves to (the system resolver unless the hub is given another, e.g. by a test). */
export type ResolveHost = (hostname: string) => Promise<readonly LookupAddress[]>;

const systemResolver: ResolveHost = (hostname) => dns.lookup(hostname, { all: true });

export interface CallbackPost {
  readonly url: string;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
  /** Which addresses this callback may connect to (callback-target.ts). */
  readonly permits: TargetCheck;
  readonly resolveHost?: ResolveHost | undefined;
}

/**
 * POSTs one callback over HTTPS. The receiver's certificate is verified against Node's trust store,
 * which includes the certificates named by NODE_EXTRA_CA_CERTS (and the OS store when Node runs with
 * --use-openssl-ca); plain http is refused (the OpenAPI's Callback.url pattern is ^https://). Redirects
 * are not followed: only a 2xx answer counts as received. Only addresses `permits` allows are connected to
 * (callback-target.ts); otherwise it fails with CallbackTargetRefused before anything is sent.
 */
export function postCallback({ url, body, headers, timeoutMs, permits, resolveHost = systemResolver }: CallbackPost): Promise<void> {
  const target = new URL(url);
  if (target.protocol !== 'https:') return Promise.reject(new CallbackPostError('callback URL is not https'));
  const literal = literalAddress(target);
  if (literal !== undefined && !permits(literal)) return Promise.reject(new CallbackTargetRefused(refusalOf(literal, literal)));
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        timeout: timeoutMs,
        rejectUnauthorized: true,
        // the name is resolved here and only checked addresses are connected to (a second lookup that answers
        // 127.0.0.1 cannot slip through); TLS still checks the certificate against the name
        lookup: checkedLookup(permits, resolveHost),
        // no pooled socket: one connected under another sender client's allowance must not be reused
        agent: false,
      },
      (res) => {
        // the answer's body is of no interest (and may hold anything): drain it
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new CallbackPostError(`receiver answered HTTP ${status}`, { status }));
        });
        res.on('error', (error) => reject(new CallbackPostError(`answer broke off: ${codeOf(error)}`, { cause: error })));
      },
    );
    req.on('timeout', () => req.destroy(new CallbackPostError(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(error instanceof CallbackPostError ? error : new CallbackPostError(`connection to ${target.host} failed: ${codeOf(error)}`, { cause: error })));
    req.end(body);
  });
}

function codeOf(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? error.message;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup for the connection that answers only addresses `permits` allows, and refuses the name when none is left. */
function checkedLookup(permits: TargetCheck, resolveHost: ResolveHost): (hostname: string, options: LookupOptions, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    resolveHost(hostname).then(
      (addresses) => {
        const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : undefined;
        const answered = family === undefined ? addresses : addresses.filter((a) => a.family === family);
        const usable = answered.filter((a) => permits(a.address));
        const first = usable[0];
        if (!first) return callback(new CallbackTargetRefused(refusalOf(hostname, answered.map((a) => a.address).join(', '))), []);
        if (options.all) callback(null, [...usable]);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}
