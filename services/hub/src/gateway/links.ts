/** Paths an operator or a sender starts from; the landing page, the start banner and demo.json name the same. */
export const HUB_PATHS = {
  console: '/admin/',
  apiDocs: '/docs',
  openApi: '/docs/json',
  health: '/healthz',
  readiness: '/readyz',
  metrics: '/metrics',
  token: '/token',
  senderApi: '/v1',
} as const;

export type HubLinks = { readonly [K in keyof typeof HUB_PATHS]: string };

/** The hub's paths as absolute URLs under a base URL. */
export function hubLinks(baseUrl: string): HubLinks {
  const base = baseUrl.replace(/\/$/, '');
  return Object.fromEntries(Object.entries(HUB_PATHS).map(([name, path]) => [name, `${base}${path}`])) as HubLinks;
}
