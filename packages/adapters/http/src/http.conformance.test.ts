import { runAdapterConformance } from '@weiche/adapter-sdk/conformance';
import { Secret } from '@weiche/core';
import { httpAdapter } from './http-adapter.js';
import { startTestEndpoint, type TestEndpoint } from './test-endpoint.js';

const secret = 'conformance-secret-0123456789';
let endpoint: TestEndpoint | undefined;
const far = (): TestEndpoint => {
  if (!endpoint) throw new Error('endpoint not started');
  return endpoint;
};

runAdapterConformance(httpAdapter, {
  setup: async () => {
    endpoint = await startTestEndpoint({ secret });
  },
  teardown: async () => {
    await endpoint?.close();
  },
  config: () => ({ url: far().url, mode: 'zip' as const, secret: new Secret(secret), timeoutMs: 5000, idHeader: 'x-receipt-id' }),
  countDeliveries: () => Promise.resolve(far().stored.length),
  listDelivered: () => Promise.resolve(far().stored.map(({ name, size, sha256 }) => ({ name, size, sha256 }))),
  breakFarSide: (kind) => {
    far().behaviour = kind;
    return Promise.resolve();
  },
  restore: () => {
    far().behaviour = 'ok';
    return Promise.resolve();
  },
});
