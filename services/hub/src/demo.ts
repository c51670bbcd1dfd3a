import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveConfig, type WeicheConfig, type WeicheConfigInput } from '@weiche/config';
import { openOsciKeystore } from '@weiche/crypto';
import { BAUANTRAG_SCHEMA_URI } from '@weiche/mapping-bauantrag-xbau';
import { XTA_PORT_PATHS } from './channels/xta/index.js';
import { hubLinks } from './gateway/links.js';

const DEMO_TENANT = 'demo';

/**
 * Services the demo destination offers (LeiKa keys). Every service goes to the demo DMS folder as
 * xdomea 0401; the building permit (form data per schemas/forms/bauantrag-1.0.json) also goes to the
 * Bauaufsicht's Fachverfahren as XBau 2.6 (a second folder stands in for it in the demo).
 */
const BAUGENEHMIGUNG = 'urn:de:fim:leika:leistung:99010003001006';
const DEMO_SERVICES = [
  { identifier: BAUGENEHMIGUNG, name: 'Baugenehmigung beantragen', schemaUri: BAUANTRAG_SCHEMA_URI },
  { identifier: 'urn:de:fim:leika:leistung:99050012104000', name: 'Gewerbe anmelden', schemaUri: 'urn:weiche:demo:gewerbeanmeldung:1.0' },
];

interface DemoState {
  destinationId: string;
  clientId: string;
  clientSecret: string;
  /** XTA bearer tokens of the demo author and Fachverfahren (added on first start with XTA). */
  xta?: { authorToken: string; fachverfahrenToken: string };
  /** The demo operator's admin API token: signs in to the console (added on first start with it). */
  adminToken?: string;
}

/** Subject of the demo's operator token: the actor of what is done in the console with it. */
export const DEMO_OPERATOR = 'demo-operator';

/** XTA parties of the demo: an EfA portal (author), the demo tenant as reader, the Bauaufsicht's Fachverfahren. */
const XTA_DEMO = {
  author: 'dvdv:demo-portal',
  reader: 'ags:05974028',
  fachverfahren: 'dvdv:demo-bauaufsicht',
  // the XBau 2.6 XSDs name the standard urn:xoev-de:bmk:standard:xbau (their <kennung>)
  service: 'urn:xoev-de:bmk:standard:xbau',
} as const;

function xtaKeystore(dataDir: string): { pkcs12File: string; passwordFile: string } {
  return { pkcs12File: join(dataDir, 'keys', 'xta-reader-demo.p12'), passwordFile: join(dataDir, 'keys', 'xta-reader-demo.password') };
}

/** Ids and the client secret are made once and kept, so a restarted demo keeps its address. */
async function demoState(dataDir: string): Promise<DemoState> {
  const file = join(dataDir, 'demo-state.json');
  let state: DemoState;
  try {
    state = JSON.parse(await readFile(file, 'utf8')) as DemoState;
    if (state.xta && state.adminToken) return state;
  } catch {
    state = { destinationId: randomUUID(), clientId: 'demo-portal', clientSecret: randomBytes(24).toString('base64url') };
  }
  // a demo from before XTA or the console token keeps its ids and gains what is missing
  state.xta ??= { authorToken: randomBytes(24).toString('base64url'), fachverfahrenToken: randomBytes(24).toString('base64url') };
  state.adminToken ??= randomBytes(32).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, JSON.stringify(state, null, 2), { mode: 0o600 });
  return state;
}

export function demoOutbox(dataDir: string): string {
  return join(dataDir, 'outbox', DEMO_TENANT);
}

/** The embedded demo configuration used when no config file is given. */
export async function demoConfig(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<{ config: WeicheConfig; state: DemoState }> {
  const state = await demoState(dataDir);
  const raw: WeicheConfigInput = {
    dataDir,
    tenants: [{ id: DEMO_TENANT, name: 'Stadt Demostadt', ags: '05974028', behoerdenkennung: 'ags:05974028', organisationseinheit: 'Bürgerservice' }],
    destinations: [
      {
        id: state.destinationId,
        tenant: DEMO_TENANT,
        keys: {
          privateKeyFile: join(dataDir, 'keys', `destination-${state.destinationId}.key.pem`),
          certificateFile: join(dataDir, 'keys', `destination-${state.destinationId}.cert.pem`),
          generate: true,
        },
        services: DEMO_SERVICES.map((s) => ({
          identifier: s.identifier,
          name: s.name,
          regions: ['DE059740028028'],
          submissionSchemas: [{ schemaUri: s.schemaUri, mimeType: 'application/json' as const }],
        })),
      },
    ],
    senderClients: [{ clientId: state.clientId, clientSecret: state.clientSecret, name: 'Demo-Onlinedienst', behoerdenkennung: 'psw:demo-portal', destinations: [state.destinationId] }],
    adapters: [
      { id: 'demo-dms', kind: 'dms-folder', config: { path: demoOutbox(dataDir) } },
      { id: 'demo-bauaufsicht', kind: 'dms-folder', config: { path: join(dataDir, 'outbox', `${DEMO_TENANT}-bauaufsicht`) } },
      { id: 'demo-xta-box', kind: 'xta-msgbox', config: { identity: XTA_DEMO.fachverfahren } },
    ],
    routes: [
      ...DEMO_SERVICES.map((s, i) => ({ id: `demo-route-${i + 1}`, tenant: DEMO_TENANT, service: s.identifier, target: 'xdomea-3.1.0:0401', adapter: 'demo-dms' })),
      { id: 'demo-route-xbau', tenant: DEMO_TENANT, service: BAUGENEHMIGUNG, target: 'xbau-2.6:baugenehmigung.antrag.0200', adapter: 'demo-bauaufsicht' },
      // XTA: XBau from an EfA portal goes to the demo DMS as xdomea 0401 and into the Fachverfahren's message box
      { id: 'demo-xta-dms', tenant: DEMO_TENANT, service: XTA_DEMO.service, target: 'xdomea-3.1.0:0401', adapter: 'demo-dms' },
      { id: 'demo-xta-box', tenant: DEMO_TENANT, service: XTA_DEMO.service, target: 'xbau-2.6:baugenehmigung.antrag.0200', adapter: 'demo-xta-box' },
    ],
    xta: {
      identities: [
        { identifier: XTA_DEMO.author, kind: 'author', token: state.xta?.authorToken ?? '' },
        { identifier: XTA_DEMO.fachverfahren, kind: 'fachverfahren', token: state.xta?.fachverfahrenToken ?? '', tenant: DEMO_TENANT },
      ],
      readers: [{ identifier: XTA_DEMO.reader, tenant: DEMO_TENANT, keystore: xtaKeystore(dataDir), generate: true }],
    },
    admin: { tokens: state.adminToken ? [{ token: state.adminToken, subject: DEMO_OPERATOR, role: 'operator' }] : [] },
  };
  return { config: resolveConfig(raw, { env }), state };
}

/** Writes .weiche/demo.json: everything a test sender needs to try the hub, and the operator's console token. */
export async function writeDemoJson(config: WeicheConfig, state: DemoState, baseUrl: string): Promise<string> {
  const file = join(config.dataDir, 'demo.json');
  const links = hubLinks(baseUrl);
  const content = {
    baseUrl,
    clientId: state.clientId,
    clientSecret: state.clientSecret,
    ...(state.adminToken ? { console: { url: links.console, token: state.adminToken, subject: DEMO_OPERATOR, role: 'operator' } } : {}),
    links,
    destinations: [{ destinationId: state.destinationId, outbox: demoOutbox(config.dataDir) }],
    ...(state.xta ? { xta: await xtaDemoJson(config.dataDir, state.xta, baseUrl) } : {}),
  };
  await writeFile(file, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  return file;
}

/** The `xta` section of demo.json: port URLs, the author's and the Fachverfahren's tokens, the reader's certificate. */
async function xtaDemoJson(dataDir: string, tokens: NonNullable<DemoState['xta']>, baseUrl: string): Promise<Record<string, unknown>> {
  const files = xtaKeystore(dataDir);
  const keystore = openOsciKeystore({ pkcs12: await readFile(files.pkcs12File), password: (await readFile(files.passwordFile, 'utf8')).replace(/\r?\n$/, '') });
  const base = baseUrl.replace(/\/$/, '');
  return {
    ports: { management: `${base}${XTA_PORT_PATHS.management}`, send: `${base}${XTA_PORT_PATHS.send}`, msgBox: `${base}${XTA_PORT_PATHS.msgBox}` },
    author: { identifier: XTA_DEMO.author, token: tokens.authorToken },
    reader: { identifier: XTA_DEMO.reader, certificatePem: keystore.entries[0]?.certificatePem ?? '' },
    fachverfahren: { identifier: XTA_DEMO.fachverfahren, token: tokens.fachverfahrenToken },
  };
}

/** What `npm start` prints: where the sender API, the console (and how to sign in), the API docs and health are. */
export function demoBanner(config: WeicheConfig, state: DemoState, baseUrl: string, demoJson: string): string {
  const links = hubLinks(baseUrl);
  return [
    '',
    `Weiche demo is running at ${baseUrl}  (landing page: ${baseUrl.replace(/\/$/, '')}/)`,
    '',
    `  Console:    ${links.console}`,
    `              sign in with the operator token in ${demoJson} ("console.token"), or: npm run weiche -- demo`,
    `  API docs:   ${links.apiDocs}  (admin API, OpenAPI at ${links.openApi})`,
    `  Health:     ${links.health}  ·  ${links.readiness}  ·  metrics ${links.metrics}`,
    '',
    `  Sender API: ${baseUrl.replace(/\/$/, '')}  (FIT-Connect submission API), client id ${state.clientId}, client secret in ${demoJson}`,
    `    1. Get a token:        POST ${links.token}  (grant_type=client_credentials, client_id=${state.clientId}, client_secret from demo.json)`,
    `    2. Fetch the key:      GET  ${links.senderApi}/destinations/${state.destinationId}  → encryptionKid → /keys/<kid>`,
    `    3. Send a submission:  POST ${links.senderApi}/submissions, PUT attachments (JWE), PUT ${links.senderApi}/submissions/<id>`,
    `    4. Watch the result:   GET  ${links.senderApi}/cases/<caseId>/events, and the xdomea ZIP in ${demoOutbox(config.dataDir)}`,
    '',
    '  Stop with Ctrl+C.',
    '',
  ].join('\n');
}
