import { describe, expect, it } from 'vitest';
import { resolveConfig } from './load.js';

const base = {
  tenants: [{ id: 'soest', name: 'Stadt Soest', behoerdenkennung: 'ags:05974028' }],
  adapters: [{ id: 'dms', kind: 'dms-folder', config: { path: 'outbox' } }],
  routes: [{ id: 'r1', tenant: 'soest', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms' }],
  xta: { readers: [{ identifier: 'ags:05974028', tenant: 'soest', keystore: { pkcs12File: 'keys/reader.p12', passwordFile: 'secrets/reader.pw' } }] },
};
const upstream = {
  id: 'rz-box',
  tenant: 'soest',
  reader: 'ags:05974028',
  managementUrl: 'https://rz.example/xta/v3/management',
  msgBoxUrl: 'https://rz.example/xta/v3/msgbox',
  auth: { clientCertificateFile: 'certs/client.pem', clientKeyFile: 'certs/client.key.pem' },
  caFile: 'certs/rz-ca.pem',
};

describe('config upstreams.xta', () => {
  it('takes the example of the issue: mutual TLS files and the CA resolved against the config folder, default poll interval', () => {
    const config = resolveConfig({ ...base, upstreams: { xta: [upstream] } }, { env: {}, baseDir: '/etc/weiche' });
    expect(config.upstreams.xta[0]).toMatchObject({
      auth: { clientCertificateFile: '/etc/weiche/certs/client.pem', clientKeyFile: '/etc/weiche/certs/client.key.pem' },
      caFile: '/etc/weiche/certs/rz-ca.pem',
      pollIntervalMs: 30_000,
    });
    const token = resolveConfig({ ...base, upstreams: { xta: [{ ...upstream, auth: { token: { file: 'secrets/rz-token' } } }] } }, { env: {}, baseDir: '/etc/weiche' });
    expect(token.upstreams.xta[0]?.auth).toEqual({ token: { file: '/etc/weiche/secrets/rz-token' } });
    expect(resolveConfig(base, { env: {} }).upstreams.xta).toEqual([]);
  });

  it('reports every problem at once: unknown tenant and reader, duplicate id, poll interval, auth mixed, mTLS over http', () => {
    const bad = [
      { ...upstream, tenant: 'nowhere', reader: 'ags:00000000' },
      { ...upstream, pollIntervalMs: 50 },
    ];
    expect(() => resolveConfig({ ...base, upstreams: { xta: bad } }, { env: {} })).toThrow(/upstreams\.xta\.1\.pollIntervalMs/);
    const refs = () => resolveConfig({ ...base, upstreams: { xta: [{ ...upstream, tenant: 'nowhere', reader: 'ags:00000000' }, upstream] } }, { env: {} });
    expect(refs).toThrow(/upstreams\.xta\.0\.tenant: unknown tenant "nowhere"/);
    expect(refs).toThrow(/upstreams\.xta\.0\.reader: "ags:00000000" is no xta\.readers/);
    expect(() => resolveConfig({ ...base, upstreams: { xta: [upstream, upstream] } }, { env: {} })).toThrow(/upstreams\.xta: duplicate id "rz-box"/);
    expect(() => resolveConfig({ ...base, upstreams: { xta: [{ ...upstream, auth: { token: 't', clientCertificateFile: 'c', clientKeyFile: 'k' } }] } }, { env: {} })).toThrow(/upstreams\.xta\.0\.auth/);
    expect(() => resolveConfig({ ...base, upstreams: { xta: [{ ...upstream, msgBoxUrl: 'http://rz.example/xta/v3/msgbox' }] } }, { env: {} })).toThrow(/client certificate needs https/);
  });
});
