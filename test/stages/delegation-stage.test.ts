/**
 * Issue 15 at the processing stage: the back office is decided once, by the receipt time, when a submission is
 * first routed, and recorded — a delegation that ended since still applies to what was received before its
 * end, and a later change of the delegations does not re-route a replay.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '@weiche/config';
import { createHubDeps, createLogger, processSubmission, replayFromOpen, type HubDeps } from '@weiche/hub';
import { dropSchema, tempDir } from '../support/env.js';
import { receivedFitConnect } from '../support/received-fit-connect.js';
import { addTenant, SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const ATTEMPTS = { attemptsMade: 0, maxAttempts: 5 };
// ended a minute ago: submissions received before still go to the back office
const END = new Date(Date.now() - 60_000);
const DELEGATION = { id: 'bau-kreis', from: 'testhausen', service: SERVICE, to: 'bhausen', validUntil: END.toISOString(), reason: 'Bhausen bearbeitet Bauanträge' };

let deps: HubDeps;
let cfg: TestHubConfig;

beforeAll(async () => {
  const dir = await tempDir('delegation-stage-');
  cfg = await writeTestConfig(dir, {
    overrides: (raw) => {
      addTenant(raw, dir, { id: 'bhausen', name: 'Stadt Bhausen', behoerdenkennung: 'ags:05974040' });
      (raw.adapters as unknown[]).push({ id: 'dms-b', kind: 'dms-folder', config: { path: `${dir}/outbox-b` } });
      (raw.routes as unknown[]).push({ id: 'b-dms', tenant: 'bhausen', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'dms-b' });
      raw.delegations = [DELEGATION];
    },
  });
  deps = await createHubDeps(loadConfigFile(cfg.file, {}), createLogger({ level: 'silent' }));
});
afterAll(async () => {
  await deps.close();
  await dropSchema(cfg.schema);
});

const received = (submittedAt: Date): Promise<{ submissionId: string }> =>
  receivedFitConnect(deps, { destinationId: cfg.destinationId, clientId: cfg.clientId, data: Buffer.from('{"antrag":"carport"}'), attachment: randomBytes(256), submittedAt });

describe('deciding the back office', () => {
  it('routes a submission received before validUntil to the back office, though processed after it, and audits the delegation', async () => {
    const { submissionId } = await received(new Date(END.getTime() - 5_000));
    expect(await processSubmission({ submissionId }, deps, ATTEMPTS)).toBe('routed');
    const row = await deps.journal.getSubmission(submissionId);
    expect(row).toMatchObject({ tenantId: 'testhausen', processingTenantId: 'bhausen', delegationId: 'bau-kreis', state: 'ROUTED' });
    expect((await deps.journal.listDeliveries(submissionId)).map((d) => [d.routeId, d.adapterInstance])).toEqual([['b-dms', 'dms-b']]);
    const delegate = (await deps.journal.listAudit({ submissionId, limit: 50 })).find((a) => a.stage === 'delegate');
    expect(delegate).toMatchObject({ actor: 'hub:processor', details: { delegationId: 'bau-kreis', tenantId: 'testhausen', processingTenantId: 'bhausen' } });
  });

  it("keeps a submission received after validUntil with its owner's routes, without a delegation record", async () => {
    const { submissionId } = await received(new Date(END.getTime() + 5_000));
    expect(await processSubmission({ submissionId }, deps, ATTEMPTS)).toBe('routed');
    expect(await deps.journal.getSubmission(submissionId)).toMatchObject({ processingTenantId: 'testhausen', delegationId: null });
    expect((await deps.journal.listDeliveries(submissionId)).map((d) => d.routeId)).toEqual(['to-dms']);
    expect((await deps.journal.listAudit({ submissionId, limit: 50 })).some((a) => a.stage === 'delegate')).toBe(false);
  });

  it('replays a delegated submission to the same back office after the delegations changed', async () => {
    const { submissionId } = await received(new Date(END.getTime() - 10_000));
    await processSubmission({ submissionId }, deps, ATTEMPTS);
    await deps.journal.failDelivery({ submissionId, routeId: 'b-dms', reason: 'permanent: test', actor: 'test' });
    await deps.delegations.replace([], 'olga', 'test');
    await replayFromOpen(deps, submissionId, { actor: 'olga' });
    expect(await processSubmission({ submissionId }, deps, ATTEMPTS)).toBe('routed');
    expect(await deps.journal.getSubmission(submissionId)).toMatchObject({ processingTenantId: 'bhausen', delegationId: 'bau-kreis', state: 'ROUTED' });
    expect((await deps.journal.listDeliveries(submissionId)).map((d) => [d.routeId, d.state])).toEqual([['b-dms', 'PENDING']]);
    expect((await deps.journal.listAudit({ submissionId, limit: 50 })).filter((a) => a.stage === 'delegate')).toHaveLength(1);
  });
});
