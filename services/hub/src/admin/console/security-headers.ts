import type { FastifyReply } from 'fastify';

/**
 * CSP of the console: everything from the hub itself, nothing inline, no framing. Charts are SVG
 * built with DOM calls, so neither 'unsafe-inline' nor data: URLs are needed. `connectOrigins` are
 * the OpenID provider's origin when the console signs in through it (discovery and token endpoint).
 */
export const consoleCsp = (connectOrigins: readonly string[] = []): string => [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  ["connect-src 'self'", ...connectOrigins].join(' '),
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * CSP of Bull Board: its prebuilt UI sets inline style attributes (hence 'unsafe-inline' for styles
 * only) and its template links a remote web font, which this policy blocks (and the HTML filter removes).
 */
export const BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Sets the security headers every console and board response carries. */
export function setSecurityHeaders(reply: FastifyReply, csp: string): void {
  reply.header('content-security-policy', csp);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  reply.header('cross-origin-opener-policy', 'same-origin');
}
