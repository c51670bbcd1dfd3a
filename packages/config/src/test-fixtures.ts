// A small valid config input (one tenant, destination, sender client, adapter and route), shared by the unit tests.

export const FIXTURE_DESTINATION_ID = '2b1b5f1e-3c1c-4d7e-9a55-0f3f2b7f4a10';

/** Passes resolveConfig as it is; tests change the part they are about. */
export const validConfigInput = {
  tenants: [{ id: 'musterstadt', name: 'Stadt Musterstadt', behoerdenkennung: 'ags:05974028' }],
  destinations: [
    {
      id: FIXTURE_DESTINATION_ID,
      tenant: 'musterstadt',
      keys: { privateKeyFile: 'keys/d.key.pem', certificateFile: 'keys/d.cert.pem' },
      services: [{ identifier: 'urn:de:fim:leika:leistung:99010003001006', name: 'Baugenehmigung' }],
    },
  ],
  senderClients: [{ clientId: 'portal', clientSecret: 's3cr3t-value', name: 'Portal', destinations: [FIXTURE_DESTINATION_ID] }],
  adapters: [{ id: 'dms', kind: 'dms-folder', config: { path: 'outbox' } }],
  routes: [{ id: 'r1', tenant: 'musterstadt', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms' }],
};
