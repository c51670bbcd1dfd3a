/**
 * The OAuth 2.0 client credentials grant (RFC 6749 §4.4) at a hub's `/token`, as the Submission API's clients make
 * it: plain `fetch`, no package of this repository — so the sender and the independent subscriber can share it.
 */

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Space-separated scopes asked for; the client's whole grant when left out. */
  readonly scope?: string;
}

/** The hub's answer to a token request, as it is (for tests of refused requests). */
export function requestToken(baseUrl: string, credentials: ClientCredentials): Promise<Response> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret });
  if (credentials.scope !== undefined) form.set('scope', credentials.scope);
  return fetch(`${baseUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
}

/** An access token for the client; a refused request is an error with the hub's answer. */
export async function clientCredentialsToken(baseUrl: string, credentials: ClientCredentials): Promise<string> {
  const response = await requestToken(baseUrl, credentials);
  if (!response.ok) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
