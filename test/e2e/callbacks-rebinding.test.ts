import { randomBytes } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { loadConfigFile } from '@weiche/config';
import { createHubDeps, createLogger, startRoles, type HubDeps, type RunningHub } from '@weiche/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackReceiver, makeTestCa } from '../support/callback-receiver.js';
import { dropSchema, tempDir, waitFor } from '../support/env.js';
import { TestSender } from '../support/fit-connect-sender.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

/** A name server under the test's control: every lookup of any name gets the address of the moment, and is noted. */
class ScriptedDns {
  answer = '93.184.216.34';
  readonly lookups: Array<{ hostname: string; answer: string }> = [];

  readonly resolve = (hostname: string): Promise<readonly LookupAddress[]> => {
    this.lookups.push({ hostname, answer: this.answer });
    return Promise.resolve([{ address: this.answer, family: 4 }]);
  };
}

// DNS rebinding: the portal's name answers a public address while the portal registers its callback (what any check
// made then would see) and 127.0.0.1 when the callback connects. The hub must judge the address it connects to, in
// the connection's own lookup. The receiver on 127.0.0.1 is real and counts every TCP connection, so a hub that
// checked an earlier answer — or none — would reach it.
describe('callback to a name that rebinds to loopback', () => {
  const dns = new ScriptedDns();
  const secret = randomBytes(32).toString('hex');
  let cfg: TestHubConfig;
  let receiver: CallbackReceiver;
  let deps: HubDeps;
  const running: RunningHub[] = [];

  beforeAll(async () => {
    const dir = await tempDir('callbacks-rebinding');
    receiver = new CallbackReceiver(await makeTestCa(dir), secret);
    await receiver.start();
    cfg = await writeTestConfig(dir, {
      overrides: (raw) => {
        raw.callbacks = { backoffMs: 200, maxBackoffMs: 1000, timeoutMs: 5000, maxAgeMs: 600_000 };
        // the test portal without any allowance: only globally routable addresses
        (raw.senderClients as Array<Record<string, unknown>>)[0]!.callbackTargets = [];
      },
    });
    deps = await createHubDeps(loadConfigFile(cfg.file, {}), createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), { resolveHost: dns.resolve });
  }, 60_000);

  afterAll(async () => {
    for (const hub of running) await hub.close();
    await deps?.close();
    await receiver?.stop();
    if (cfg) await dropSchema(cfg.schema);
  });

  it('is given up with the connect-time address as reason, and the receiver is never connected to', async () => {
    // only the gateway while the callback is registered: no callback is sent before the name rebinds
    const gateway = await startRoles(deps, ['gateway']);
    running.push(gateway);
    const portal = new TestSender(gateway.url ?? '', cfg.clientId, cfg.clientSecret);
    const url = `https://portal.rebind.example:${receiver.port}/callbacks/weiche`;
    const created = await portal.request('POST', '/v1/submissions', {
      destinationId: cfg.destinationId,
      serviceType: { identifier: SERVICE, name: 'x' },
      announcedAttachments: [],
      callback: { url, secret },
    });
    expect(created.status).toBe(201);
    const { submissionId } = (await created.json()) as { submissionId: string };

    dns.answer = '127.0.0.1';
    running.push(await startRoles(deps, ['processor']));

    // until the callback is given up, or the receiver was reached (then the assertions below say so at once)
    const callback = await waitFor('the create-submission callback given up or the receiver reached', async () => {
      const rows = (await deps.pool.query<{ state: string; last_error: string | null }>(`SELECT state, last_error FROM "${cfg.schema}".callbacks WHERE submission_id = $1`, [submissionId])).rows;
      return (rows.length === 1 && rows[0]!.state === 'GIVEN_UP') || receiver.connections > 0 ? (rows[0] ?? { state: 'none', last_error: null }) : undefined;
    }, 30_000);
    expect(receiver.connections).toBe(0);
    expect(callback.state).toBe('GIVEN_UP');
    expect(callback.last_error).toBe(
      'callback target refused: portal.rebind.example (127.0.0.1) is not a globally routable address and not allowed for this sender client (senderClients[].callbackTargets)',
    );
    expect(dns.lookups).toContainEqual({ hostname: 'portal.rebind.example', answer: '127.0.0.1' });
    expect(receiver.received).toHaveLength(0);
  }, 60_000);
});
