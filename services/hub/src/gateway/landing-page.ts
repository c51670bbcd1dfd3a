import type { FastifyInstance } from 'fastify';
import { consoleCsp, setSecurityHeaders } from '../admin/console/security-headers.js';
import { HUB_PRODUCT } from '../version.js';
import { HUB_PATHS, hubLinks, type HubLinks } from './links.js';

type LinkName = keyof HubLinks;

/** What `GET /` lists, by the parts this process serves (the admin role alone has no sender API). */
function servedLinks(parts: { sender: boolean; admin: boolean }): LinkName[] {
  return [
    ...(parts.admin ? (['console', 'apiDocs', 'openApi'] as const) : []),
    ...(parts.sender ? (['senderApi', 'token'] as const) : []),
    'health',
    'readiness',
    ...(parts.admin ? (['metrics'] as const) : []),
  ];
}

const LABELS: Record<LinkName, { de: string; en: string }> = {
  console: { de: 'Betriebskonsole', en: 'operator console' },
  apiDocs: { de: 'Admin-API-Dokumentation', en: 'admin API docs' },
  openApi: { de: 'OpenAPI-Dokument', en: 'OpenAPI document' },
  senderApi: { de: 'Sender-API (FIT-Connect)', en: 'sender API (FIT-Connect)' },
  token: { de: 'Token-Endpunkt für Sender', en: 'token endpoint for senders' },
  health: { de: 'Lebenszeichen', en: 'liveness' },
  readiness: { de: 'Bereitschaft', en: 'readiness' },
  metrics: { de: 'Prometheus-Metriken', en: 'Prometheus metrics' },
};

// paths only hold fixed characters; the escaping keeps the page safe if one ever does not
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(names: readonly LinkName[]): string {
  // the console's icon, so the browser does not ask for a /favicon.ico that is not there
  const icon = names.includes('console') ? `\n    <link rel="icon" href="${HUB_PATHS.console}static/favicon.svg" type="image/svg+xml">` : '';
  const items = names
    .filter((n) => n !== 'senderApi' && n !== 'token')
    .map((n) => `      <li><a href="${escapeHtml(HUB_PATHS[n])}" id="link-${n}">${LABELS[n].de}</a> <span lang="en">(${LABELS[n].en})</span></li>`);
  const sender = names.includes('senderApi') ? `    <p>Sender-API / sender API: <code>${HUB_PATHS.senderApi}/…</code>, Token: <code>POST ${HUB_PATHS.token}</code></p>\n` : '';
  return `<!doctype html>
<html lang="de">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${HUB_PRODUCT.product} ${escapeHtml(HUB_PRODUCT.version)}</title>${icon}
  </head>
  <body>
    <h1>${HUB_PRODUCT.product}</h1>
    <p>Integrations-Hub für die öffentliche Verwaltung. <span lang="en">Integration hub for German public administration.</span></p>
    <ul>
${items.join('\n')}
    </ul>
${sender}    <p>Anmeldung an der Konsole mit einem Admin-Token; in der Demo steht es in <code>.weiche/demo.json</code> (<code>console.token</code>).</p>
  </body>
</html>
`;
}

/** True when the Accept header ranks application/json above HTML (a browser does not, nor does a bare wildcard). */
export function prefersJson(accept: string | undefined): boolean {
  const quality = new Map<string, number>();
  for (const part of (accept ?? '').split(',')) {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    quality.set(type, Math.max(quality.get(type) ?? 0, q ? Number(q.slice(2)) || 0 : 1));
  }
  const json = quality.get('application/json') ?? 0;
  return json > 0 && json > Math.max(quality.get('text/html') ?? 0, quality.get('application/xhtml+xml') ?? 0);
}

/**
 * `GET /`: a small landing page linking the console, the API docs and health (no external assets, CSP
 * as the console's); `Accept: application/json` gets the same links as a JSON index with absolute URLs.
 */
export function landingPage(parts: { sender: boolean; admin: boolean }) {
  const names = servedLinks(parts);
  const html = page(names);
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.get('/', { schema: { hide: true } }, async (request, reply) => {
      if (prefersJson(request.headers.accept)) {
        const links = hubLinks(`${request.protocol}://${request.host}`);
        return reply.send({ product: HUB_PRODUCT.product, version: HUB_PRODUCT.version, links: Object.fromEntries(names.map((n) => [n, links[n]])) });
      }
      setSecurityHeaders(reply, consoleCsp());
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
    });
  };
}
