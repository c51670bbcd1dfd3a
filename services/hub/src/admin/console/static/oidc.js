// Sign-in through the configured OpenID provider: authorization code flow with PKCE (RFC 7636),
// state and nonce, done by oauth4webapi (a certified relying-party library, served from the hub).
// The console is a public client: no secret. Only the access token is kept (sessionStorage, like
// a pasted token); the verifier, state and nonce live in sessionStorage for the round trip only.
// The provider answers in the URL fragment (response_mode=fragment), which browsers never send to
// a server: the code reaches no access log of the hub or a proxy in front of it.
import * as oauth from './oauth4webapi.js';

const FLOW_KEY = 'weiche.oidc.flow';
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Where the provider sends the browser back: the console itself. */
function redirectUri() {
  return new URL('/admin/', window.location.origin).href;
}

// plain http only for a provider on this machine (development, tests); anything else must be https
function requestOptions(issuer) {
  return issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname) ? { [oauth.allowInsecureRequests]: true } : {};
}

async function discover(issuerText) {
  const issuer = new URL(issuerText);
  const response = await oauth.discoveryRequest(issuer, requestOptions(issuer));
  return { as: await oauth.processDiscoveryResponse(issuer, response), options: requestOptions(issuer) };
}

/** Starts the sign-in: discovers the provider, remembers verifier, state and nonce, and goes there. */
export async function startSignIn({ issuer, clientId, scopes }) {
  const { as } = await discover(issuer);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem(FLOW_KEY, JSON.stringify({ issuer, clientId, verifier, state, nonce, hash: window.location.hash }));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('response_mode', 'fragment');
  url.searchParams.set('scope', scopes.join(' '));
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  window.location.assign(url.href);
}

function callbackParams() {
  return new URLSearchParams(window.location.hash.replace(/^#/, ''));
}

/** True when the page was opened by the provider's redirect (code or error, with state, in the fragment). */
export function isCallback() {
  const params = callbackParams();
  return params.has('state') && (params.has('code') || params.has('error'));
}

/**
 * Finishes the sign-in on the redirect: checks state (and the issuer parameter), exchanges the code
 * with the verifier, checks the ID token (issuer, audience, nonce, expiry) and returns the access token.
 */
export async function finishSignIn() {
  const answer = callbackParams();
  const flow = JSON.parse(sessionStorage.getItem(FLOW_KEY) ?? 'null');
  sessionStorage.removeItem(FLOW_KEY);
  // the code must not stay in the address bar or the history
  window.history.replaceState(null, '', `/admin/${flow?.hash ?? ''}`);
  if (!flow) throw new Error('no sign-in was started in this tab');
  const { as, options } = await discover(flow.issuer);
  const client = { client_id: flow.clientId };
  const params = oauth.validateAuthResponse(as, client, answer, flow.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(), flow.verifier, options);
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: flow.nonce, requireIdToken: true });
  return result.access_token;
}
