import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { classifyDeliveryError, type DeliveryPackage, type MessageBoxService } from '@weiche/adapter-sdk';
import { xtaMsgBoxAdapter } from './xta-msgbox.js';

const pkg: DeliveryPackage = { name: 'p.zip', mimeType: 'application/zip', size: 3, sha256: 'x', submissionId: 's1', tenantId: 't', open: async () => Readable.from([Buffer.from('zip')]) };
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const options = { idempotencyKey: 's1:r1', signal: new AbortController().signal, log };

describe('xta-msgbox adapter', () => {
  it('offers the package to the configured identity through the message box the hub lends', async () => {
    const calls: Array<{ identity: string; idempotencyKey: string }> = [];
    const messageBox: MessageBoxService = {
      offer: async (input) => {
        calls.push({ identity: input.identity, idempotencyKey: input.idempotencyKey });
        return { messageId: 'urn:de:xta:messageid:w:1', duplicate: false };
      },
      ready: async (identity) => identity === 'dvdv:fv',
    };
    const adapter = xtaMsgBoxAdapter.create({ instanceId: 'box', config: { identity: 'dvdv:fv' }, services: { messageBox } });
    expect(await adapter.deliver(pkg, options)).toEqual({ identity: 'dvdv:fv', xtaMessageId: 'urn:de:xta:messageid:w:1', duplicate: false });
    expect(calls).toEqual([{ identity: 'dvdv:fv', idempotencyKey: 's1:r1' }]);
    expect(await adapter.health()).toEqual({ ok: true });
  });

  it('is a permanent error without a store, a transient one when the store fails', async () => {
    const bare = xtaMsgBoxAdapter.create({ instanceId: 'box', config: { identity: 'dvdv:fv' } });
    expect(classifyDeliveryError(await bare.deliver(pkg, options).catch((e: unknown) => e))).toBe('permanent');
    const failing = xtaMsgBoxAdapter.create({ instanceId: 'box', config: { identity: 'dvdv:fv' }, services: { messageBox: { offer: () => Promise.reject(new Error('db down')), ready: async () => true } } });
    expect(classifyDeliveryError(await failing.deliver(pkg, options).catch((e: unknown) => e))).toBe('transient');
    expect(xtaMsgBoxAdapter.configSchema.safeParse({}).success).toBe(false);
  });
});
