/** For the FIT-Connect upstream e2e tests: a test Zustelldienst, one destination at it, and hubs picking up from it. */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { dropSchema, queryOnce as query, tempDir, waitFor } from './env.js';
import { upstreamFixture, type UpstreamFixture } from './fit-connect-upstream.js';
import { HubProcess, startHubOnFreePort } from './hub-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from './test-config.js';
import { TestZustelldienst } from './test-zustelldienst.js';

export interface Scenario {
  zd: TestZustelldienst;
  fixture: UpstreamFixture;
  cfg: TestHubConfig;
  /** The hub processes started (startHub), the last one first to stop. */
  hubs: HubProcess[];
  /** Attachment downloads the Zustelldienst served or refused, per upstream submission id. */
  downloads: Map<string, number>;
}

/** A Zustelldienst polled every 200 ms by the hub's config (callbacks off), with the hub's `limits` and further settings of the upstream. */
export async function scenario(limits: Record<string, number> = {}, upstream: Record<string, unknown> = {}): Promise<Scenario> {
  const zd = await TestZustelldienst.start();
  const dir = await tempDir('upstream-refused');
  const fixture = await upstreamFixture(zd, dir, { pollIntervalMs: 200 });
  const cfg = await writeTestConfig(dir, {
    overrides(raw) {
      const { callbackSecret: _none, ...config } = fixture.config;
      raw.upstreams = { fitConnect: [{ ...config, ...upstream }] };
      raw.limits = limits;
    },
  });
  return { zd, fixture, cfg, hubs: [], downloads: new Map() };
}

/** Stops the scenario's hubs and Zustelldienst and drops its schema. */
export async function endScenario(s: Scenario | undefined): Promise<void> {
  if (!s) return;
  for (const hub of s.hubs.reverse()) await hub.stop();
  await s.zd.close();
  await dropSchema(s.cfg.schema);
}

/** Counts the attachment downloads asked of the Zustelldienst (in `s.downloads`). */
export function countDownloads(s: Scenario): void {
  s.zd.hooks.beforeAttachment = async (submissionId) => {
    s.downloads.set(submissionId, (s.downloads.get(submissionId) ?? 0) + 1);
  };
}

/** Sends one submission with attachments of the given sizes (one by default). */
export async function send(s: Scenario, ...attachmentBytes: number[]): Promise<{ submissionId: string; attachmentId: string; attachmentIds: string[] }> {
  const sent = await s.fixture.sender.send({
    destinationId: s.fixture.destinationId,
    serviceIdentifier: SERVICE,
    data: Buffer.from(JSON.stringify({ vorhaben: 'Carport' })),
    attachments: attachmentBytes.map((bytes, i) => ({ content: randomBytes(bytes), filename: `plan-${i}.pdf`, mimeType: 'application/pdf' })),
  });
  expect(sent.statuses.submit).toBe(202);
  return { submissionId: sent.submissionId, attachmentId: sent.attachmentIds[0]!, attachmentIds: sent.attachmentIds };
}

/** The problems of the one answer the Zustelldienst recorded for a submission, once there is one. */
export async function rejectedWith(s: Scenario, submissionId: string): Promise<Array<{ type: string; instance: string; detail: string }>> {
  await waitFor('rejected upstream', async () => (s.zd.answersFor(submissionId).length > 0 ? true : undefined), 60_000, 250);
  const answers = s.zd.answersFor(submissionId);
  expect(answers.map((a) => a.event)).toEqual(['reject-submission']);
  return answers[0]!.payload.problems as Array<{ type: string; instance: string; detail: string }>;
}

export const PROBLEM = (name: string): string => `https://schema.fitko.de/fit-connect/events/problems/${name}`;

/** The journal's rows of an upstream submission. */
export const rowsOf = (s: Scenario, upstreamSubmissionId: string) =>
  query<{ submission_id: string; state: string; acknowledged_at: Date | null; problem: { code: string; part?: string } | null; channel_meta: { attachmentBlobs: unknown[] } }>(
    `SELECT submission_id, state, acknowledged_at, problem, channel_meta FROM "${s.cfg.schema}".submissions WHERE channel = 'fit-connect-upstream' AND channel_ref = $1`,
    [upstreamSubmissionId],
  );

/**
 * Starts a hub process on the scenario's config: all roles (the first), or a processor replica beside it with a
 * health port of its own (`replica`), which polls the same upstream.
 */
export async function startHub(s: Scenario, options: { replica?: boolean } = {}): Promise<HubProcess> {
  if (options.replica) {
    const { hub } = await startHubOnFreePort((port) => new HubProcess(['--config', s.cfg.file, '--role', 'processor'], { WEICHE_HEALTH_PORT: String(port) }));
    s.hubs.push(hub);
    return hub;
  }
  const hub = new HubProcess(['--config', s.cfg.file]);
  s.hubs.push(hub.start());
  await hub.waitForLog('weiche hub started');
  return hub;
}
