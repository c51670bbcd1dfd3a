import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline } from 'node:stream/promises';
import {
  TransientDeliveryError,
  type Adapter,
  type AdapterFactory,
  type AdapterHealth,
  type DeliveryOptions,
  type DeliveryPackage,
  type DeliveryReceipt,
} from '@weiche/adapter-sdk';
import { errorForNetwork, errorForStatus } from './classify-response.js';
import { HttpAdapterConfig } from './config.js';
import { multipartBody } from './multipart-body.js';
import { zipBody, type RequestBody } from './request-body.js';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from './sign.js';
import { tlsAgentOptions } from './tls-options.js';

export const HTTP_KIND = 'http';

/** What the endpoint answered; the body is kept only up to a small limit, for a JSON `id`. */
interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

const ANSWER_LIMIT = 64 * 1024;
const HEALTH_TIMEOUT_MS = 10_000;
// Reachable but refusing us (auth, proxy auth, throttled) is not healthy.
const UNHEALTHY_STATUSES = new Set([401, 403, 407, 408, 429]);

function headerValue(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

// RFC 6266 §4.3: header values are ASCII, so the UTF-8 name goes into `filename*` (RFC 8187) with an ASCII fallback.
function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function idFromJson(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'id' in parsed) {
      const id = (parsed as { id: unknown }).id;
      if (typeof id === 'string' || typeof id === 'number') return String(id);
    }
  } catch {
    // not JSON: the receipt simply has no id
  }
  return undefined;
}

class HttpAdapter implements Adapter {
  readonly kind = HTTP_KIND;
  private agentPromise: Promise<http.Agent> | undefined;

  constructor(
    readonly instanceId: string,
    private readonly config: HttpAdapterConfig,
  ) {}

  async deliver(pkg: DeliveryPackage, options: DeliveryOptions): Promise<DeliveryReceipt> {
    const { signal } = options;
    if (signal.aborted) throw new TransientDeliveryError('delivery aborted before it started');
    let body: RequestBody | undefined;
    try {
      body = this.config.mode === 'zip' ? zipBody(pkg) : await multipartBody(pkg, signal);
      // Two passes over the body: the signature header must precede the body, and HTTP trailers are
      // dropped by many proxies and frameworks, so the HMAC is computed first and the body streamed again.
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = await signBody(this.config.secret.reveal(), timestamp, await body.open(), signal);
      const answer = await this.post(body, {
        ...this.config.headers,
        'content-type': body.contentType,
        'content-length': String(body.length),
        ...(this.config.mode === 'zip' ? { 'content-disposition': attachmentDisposition(pkg.name) } : {}),
        'idempotency-key': options.idempotencyKey,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signature,
      }, signal);
      if (answer.status < 200 || answer.status >= 300) {
        throw errorForStatus(answer.status, headerValue(answer.headers, 'retry-after'));
      }
      const id = headerValue(answer.headers, this.config.idHeader) ?? headerValue(answer.headers, 'location') ?? idFromJson(answer.body);
      options.log.info({ submissionId: pkg.submissionId, status: answer.status, size: pkg.size }, 'package delivered over HTTP');
      return { fileName: pkg.name, httpStatus: answer.status, size: pkg.size, sha256: pkg.sha256, ...(id === undefined ? {} : { id }) };
    } catch (error) {
      if (signal.aborted) throw new TransientDeliveryError('delivery aborted', { cause: error });
      throw errorForNetwork(error);
    } finally {
      await body?.close();
    }
  }

  async health(): Promise<AdapterHealth> {
    const url = new URL(this.config.healthUrl ?? this.config.url);
    try {
      const agent = await this.agent();
      const status = await new Promise<number>((resolve, reject) => {
        const request = this.transport(url).request(url, {
          method: 'HEAD',
          agent,
          headers: { ...this.config.headers },
          signal: AbortSignal.timeout(Math.min(this.config.timeoutMs, HEALTH_TIMEOUT_MS)),
        });
        request.on('response', (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        request.end();
      });
      if (status >= 500 || UNHEALTHY_STATUSES.has(status)) return { ok: false, detail: `endpoint answered HTTP ${status}` };
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: errorForNetwork(error).message };
    }
  }

  async stop(): Promise<void> {
    const agent = await this.agentPromise?.catch(() => undefined);
    agent?.destroy();
    this.agentPromise = undefined;
  }

  private transport(url: URL): typeof http | typeof https {
    return url.protocol === 'https:' ? https : http;
  }

  // One keep-alive agent per instance; TLS files are read once, on first use.
  private agent(): Promise<http.Agent> {
    this.agentPromise ??= new URL(this.config.url).protocol === 'https:'
      ? tlsAgentOptions(this.config).then((o) => new https.Agent(o))
      : Promise.resolve(new http.Agent({ keepAlive: true }));
    return this.agentPromise;
  }

  private async post(body: RequestBody, headers: http.OutgoingHttpHeaders, signal: AbortSignal): Promise<Answer> {
    const url = new URL(this.config.url);
    const agent = await this.agent();
    const stream = await body.open();
    const request = this.transport(url).request(url, { method: 'POST', agent, headers, signal, timeout: this.config.timeoutMs });
    request.on('timeout', () => request.destroy(new TransientDeliveryError(`endpoint idle for ${this.config.timeoutMs} ms`)));
    const answered = new Promise<Answer>((resolve, reject) => {
      request.on('error', reject);
      request.on('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (text.length < ANSWER_LIMIT) text += chunk.slice(0, ANSWER_LIMIT - text.length);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
        response.on('error', reject);
      });
    });
    // pipeline destroys the package stream when the request fails or is aborted
    const [sent, answer] = await Promise.allSettled([pipeline(stream, request), answered]);
    if (answer.status === 'rejected') throw answer.reason;
    // An endpoint may answer before it has read the body (and close the connection): a refusal stands, but
    // a 2xx for a package it never received whole is no delivery.
    if (sent.status === 'rejected' && answer.value.status >= 200 && answer.value.status < 300) {
      throw new TransientDeliveryError(`endpoint answered HTTP ${answer.value.status} before it had received the whole package`, { cause: sent.reason });
    }
    return answer.value;
  }
}

/** POSTs each package (ZIP or multipart) with Idempotency-Key and an HMAC-SHA256 signature; optional mutual TLS and pinning. */
export const httpAdapter: AdapterFactory<HttpAdapterConfig> = {
  kind: HTTP_KIND,
  configSchema: HttpAdapterConfig,
  create: ({ instanceId, config }) => new HttpAdapter(instanceId, config),
};
