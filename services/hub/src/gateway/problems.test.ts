import { request as rawRequest } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameworkErrorHandler, registerProblemHandler, type ProblemOptions } from './problems.js';

// `instance` of a problem names the request as an absolute URI (FIT-Connect OpenAPI Error: format uri); it is built by the hub,
// so a client's Host, X-Forwarded-Host or absolute-form request target never becomes part of a URL the hub answers with.

const apps: FastifyInstance[] = [];

/** A listening app with the problem handler (trustProxy as the gateway has it), and a raw GET against it. */
async function listening(options?: ProblemOptions): Promise<(target: string, headers?: Record<string, string>) => Promise<Record<string, unknown>>> {
  const app = Fastify({ trustProxy: true, frameworkErrors: frameworkErrorHandler(options) });
  registerProblemHandler(app, options);
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return (target, headers = {}) =>
    new Promise((resolve, reject) => {
      // node:http sends `path` as the request target verbatim, so an absolute-form target reaches the server as written
      const req = rawRequest({ host: '127.0.0.1', port, path: target, headers }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve(JSON.parse(body) as Record<string, unknown>));
      });
      req.on('error', reject);
      req.end();
    });
}

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

describe('problem instance', () => {
  let configured: Awaited<ReturnType<typeof listening>>;
  let unconfigured: Awaited<ReturnType<typeof listening>>;
  beforeAll(async () => {
    configured = await listening({ publicBaseUrl: 'https://weiche.example.de/' });
    unconfigured = await listening();
  });

  it('is on the configured public base URL, whatever Host and X-Forwarded-Host say', async () => {
    const problem = await configured('/v1/nothing?secret=1', { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' });
    expect(problem.instance).toBe('https://weiche.example.de/v1/nothing');
  });

  it('an absolute-form request target contributes its path only', async () => {
    expect((await configured('http://xhttp://evil/v1/nothing')).instance).toBe('https://weiche.example.de//evil/v1/nothing');
    expect((await configured('http://evil.example/v1/nothing')).instance).toBe('https://weiche.example.de/v1/nothing');
    expect((await unconfigured('http://evil.example/v1/nothing', { host: 'hub.local:8080' })).instance).toBe('http://hub.local:8080/v1/nothing');
  });

  it('without a public base URL: a plain Host is used, anything else is not', async () => {
    expect((await unconfigured('/v1/nothing', { host: 'hub.local:8080' })).instance).toBe('http://hub.local:8080/v1/nothing');
    for (const host of ['evil.example/phish?', 'evil@example', 'a b']) {
      const problem = await unconfigured('/v1/nothing', { host: 'hub.local', 'x-forwarded-host': host, 'x-forwarded-proto': 'javascript' });
      expect(problem.instance).toBe('http://localhost/v1/nothing');
    }
  });

  it('the router\'s own refusals (an undecodable URL) use the same base', async () => {
    const problem = await configured('/v1/%C0%AF', { host: 'evil.example' });
    expect(problem.status).toBe(400);
    expect(problem.instance).toBe('https://weiche.example.de/v1/%C0%AF');
  });
});
