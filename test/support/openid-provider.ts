import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** A person who may sign in at the test provider, and the admin role and tenants its tokens carry. */
export interface TestUser {
  readonly login: string;
  readonly password: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly tenants?: readonly string[];
}

export interface TestOpenIdProvider {
  readonly issuer: string;
  readonly jwksUrl: string;
  /** Sign-in attempts the login form refused (wrong password). */
  readonly refused: () => number;
  close(): Promise<void>;
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid: string, error?: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test IdP – sign in</title></head><body><main>
<h1>Test identity provider</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Username</label><input id="login" name="login" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Sign in</button></form></main></body></html>`;
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * A real OpenID provider (the certified `oidc-provider` package) for browser tests: one public
 * client (the console, code flow with PKCE), JWT access tokens for the admin API's audience with
 * the users' roles and tenants as claims, and a login page of its own that checks passwords.
 * Consent is granted without asking (a first-party client).
 *
 * It listens first, on a port the kernel picks (race-free): the issuer is that URL, which the hub's config names. The
 * console's redirect URI is the hub's, which is known only once the hub listens — after this — so `redirectUri` is
 * asked for at the first request, when the provider is made.
 */
export async function startOpenIdProvider(options: {
  clientId: string;
  redirectUri: () => string;
  audience: string;
  users: readonly TestUser[];
}): Promise<TestOpenIdProvider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-idp-1', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      });
      return;
    }
    void made().callback(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const users = new Map(options.users.map((u) => [u.login, u]));
  const API_SCOPE = 'weiche';
  let refused = 0;

  const makeProvider = (redirectUri: string): Provider => {
    const allowedOrigin = new URL(redirectUri).origin;
    return new Provider(issuer, {
      clients: [{ client_id: options.clientId, token_endpoint_auth_method: 'none', redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
      jwks: { keys: [signingKey] },
      cookies: { keys: [randomBytes(32).toString('hex')] },
      scopes: ['openid', 'profile', API_SCOPE],
      claims: { openid: ['sub'], profile: ['name'] },
      findAccount: (_ctx, sub) => {
        const user = users.get(sub);
        return user ? { accountId: sub, claims: () => ({ sub, name: user.name }) } : undefined;
      },
      // the console's origin may call discovery and the token endpoint from the browser
      clientBasedCORS: (_ctx, origin) => origin === allowedOrigin,
      features: {
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => 'urn:weiche:admin-api',
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({ scope: API_SCOPE, audience: options.audience, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } }),
        },
      },
      extraTokenClaims: (_ctx, token) => {
        const user = 'accountId' in token && typeof token.accountId === 'string' ? users.get(token.accountId) : undefined;
        return user ? { roles: [...user.roles], ...(user.tenants ? { tenants: [...user.tenants] } : {}) } : undefined;
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    });
  };
  let current: { provider: Provider; callback: ReturnType<Provider['callback']> } | undefined;
  const made = (): NonNullable<typeof current> => {
    if (!current) {
      const provider = makeProvider(options.redirectUri());
      current = { provider, callback: provider.callback() };
    }
    return current;
  };

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { provider } = made();
    const details = await provider.interactionDetails(req, res);
    const { uid, prompt, params, session } = details;
    if (req.method === 'POST' && req.url?.endsWith('/login')) {
      const form = await formBody(req);
      const user = users.get(form.get('login') ?? '');
      if (!user || user.password !== form.get('password')) {
        refused += 1;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(uid, 'Wrong username or password.'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: user.login } }, { mergeWithLastSubmission: false });
      return;
    }
    if (prompt.name === 'login') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(uid));
      return;
    }
    // consent for the first-party console: grant what it asked for
    const grant = new provider.Grant({ accountId: session?.accountId ?? '', clientId: String(params.client_id) });
    const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    refused: () => refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
