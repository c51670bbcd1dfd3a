import { performance } from 'node:perf_hooks';
import { TestSender } from '../support/fit-connect-sender.js';

const SUBMIT_PATH = /^\/v1\/submissions\/[^/]+$/;

/** The jose-only test sender, timing the final PUT /v1/submissions/{id} (submit) as the sender sees it. */
export class TimedSender extends TestSender {
  /** Milliseconds from request start to response headers of the last submit call. */
  lastSubmitMs = Number.NaN;

  override async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    const start = performance.now();
    const response = await super.request(method, path, body, contentType);
    if (method === 'PUT' && SUBMIT_PATH.test(path)) this.lastSubmitMs = performance.now() - start;
    return response;
  }
}
