import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveConfig, type WeicheConfig, type WeicheConfigInput } from '@weiche/config';
import { BAUANTRAG_SCHEMA_URI } from '@weiche/mapping-bauantrag-xbau';

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
}

/** Ids and the client secret are made once and kept, so a restarted demo keeps its address. */
async function demoState(dataDir: string): Promise<DemoState> {
  const file = join(dataDir, 'demo-state.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DemoState;
  } catch {
    const state = { destinationId: randomUUID(), clientId: 'demo-portal', clientSecret: randomBytes(24).toString('base64url') };
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(state, null, 2), { mode: 0o600 });
    return state;
  }
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
    ],
    routes: [
      ...DEMO_SERVICES.map((s, i) => ({ id: `demo-route-${i + 1}`, tenant: DEMO_TENANT, service: s.identifier, target: 'xdomea-3.1.0:0401', adapter: 'demo-dms' })),
      { id: 'demo-route-xbau', tenant: DEMO_TENANT, service: BAUGENEHMIGUNG, target: 'xbau-2.6:baugenehmigung.antrag.0200', adapter: 'demo-bauaufsicht' },
    ],
  };
  return { config: resolveConfig(raw, { env }), state };
}

/** Writes .weiche/demo.json: everything a test sender needs to try the hub. */
export async function writeDemoJson(config: WeicheConfig, state: DemoState, baseUrl: string): Promise<string> {
  const file = join(config.dataDir, 'demo.json');
  const content = {
    baseUrl,
    clientId: state.clientId,
    clientSecret: state.clientSecret,
    destinations: [{ destinationId: state.destinationId, outbox: demoOutbox(config.dataDir) }],
  };
  await writeFile(file, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  return file;
}
