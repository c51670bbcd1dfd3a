import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { XtaUpstreamConfig } from '@weiche/config';
import { ErrorCode, Secret, WeicheError } from '@weiche/core';
import { XtaResponseError, type XtaClientRequest, type XtaHttpResponse } from '@weiche/xta';
import { describeTransportError, watchClientCertificateRefusal } from '../../../transport-error.js';

/**
 * How long one SOAP call may take, answer read to its end (a 40 MB container over a slow line included). A deadline
 * for the whole call, not for silence: an intermediary trickling a byte now and then would hold the poll (and the
 * box's poll lock, for every replica) for as long as it likes.
 */
const REQUEST_TIMEOUT_MS = 120_000;

function readFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    // the file name is not secret; its content would be
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `upstreams.xta: cannot read ${what} ${file}`, { cause: error });
  }
}

/** A call that got no (complete) answer: refused, TLS, timeout, broken off. Retryable as any XtaResponseError. */
export class XtaTransportError extends XtaResponseError {}

/**
 * POSTs SOAP messages to an upstream XTA server: over HTTPS with the TLS client certificate (mutual TLS, how
 * Rechenzentren authenticate XTA clients) or with a bearer token; the server's certificate is checked against
 * `caFile` when given, else the system's CAs. Answers are read up to `maxBodyBytes`.
 */
export class XtaSoapHttpClient {
  private readonly agent: https.Agent;
  private readonly token: Secret | undefined;
  /** Whether the agent presents a client certificate (mutual TLS), whose refusal a TLS 1.3 server tells late. */
  private readonly clientCertificate: boolean;

  constructor(
    upstream: Pick<XtaUpstreamConfig, 'id' | 'auth' | 'caFile'>,
    private readonly maxBodyBytes: number,
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
  ) {
    const ca = upstream.caFile !== undefined ? readFile(upstream.caFile, 'CA file') : undefined;
    const auth = upstream.auth;
    if ('token' in auth) {
      this.clientCertificate = false;
      this.token = new Secret(typeof auth.token === 'string' ? auth.token : readFile(auth.token.file, 'token file').toString('utf8').trim());
      this.agent = new https.Agent({ keepAlive: true, ...(ca ? { ca } : {}) });
    } else {
      this.token = undefined;
      this.clientCertificate = true;
      this.agent = new https.Agent({ keepAlive: true, cert: readFile(auth.clientCertificateFile, 'client certificate'), key: readFile(auth.clientKeyFile, 'client key'), ...(ca ? { ca } : {}) });
    }
  }

  /**
   * Sends one request; a transport problem (refused, TLS, timeout) is a retryable XtaResponseError. An answer over
   * `maxBodyBytes` is PAYLOAD_TOO_LARGE: asking again brings the same answer (the poller refuses such a message).
   */
  post(url: string, request: XtaClientRequest): Promise<XtaHttpResponse> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const headers: Record<string, string> = { 'content-type': request.contentType, 'content-length': String(request.body.length) };
    if (this.token) headers.authorization = `Bearer ${this.token.reveal()}`;
    let deadline: NodeJS.Timeout | undefined;
    const answer = new Promise<XtaHttpResponse>((resolve, reject) => {
      const fail = (message: string, cause?: unknown): void => reject(new XtaTransportError(`${request.operation}: ${message}`, { cause }));
      const options = { method: 'POST', headers };
      const onResponse = (res: http.IncomingMessage): void => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBodyBytes) {
            res.destroy();
            reject(new WeicheError(ErrorCode.PAYLOAD_TOO_LARGE, `${request.operation}: answer exceeds ${this.maxBodyBytes} bytes`, { status: 413 }));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => fail('answer broke off', error));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body: Buffer.concat(chunks) }));
      };
      const req = secure ? https.request(target, { ...options, agent: this.agent }, onResponse) : http.request(target, options, onResponse);
      deadline = setTimeout(() => {
        fail(`no complete answer within ${this.timeoutMs} ms`);
        req.destroy();
      }, this.timeoutMs);
      const refusal = secure && this.clientCertificate ? watchClientCertificateRefusal(req) : (error: Error) => error;
      req.on('error', (error) => {
        const cause = refusal(error);
        fail(describeTransportError(cause), cause);
      });
      req.end(request.body);
    });
    return answer.finally(() => clearTimeout(deadline));
  }

  close(): void {
    this.agent.destroy();
  }
}
