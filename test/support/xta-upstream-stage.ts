import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfigFile } from '@weiche/config';
import { createHubDeps, createLogger, XTA_CHANNEL, XTA_UPSTREAM_CHANNEL, type HubDeps, type XtaUpstreamChannel } from '@weiche/hub';
import { dropSchema, REPO_ROOT, tempDir } from './env.js';
import { createTestPki, type TestPki } from './test-pki.js';
import { writeXtaTestConfig } from './xta-config.js';
import { XtaUpstreamServer } from './xta-upstream-server.js';

/** The reader (tenant testhausen) whose box the hub polls upstream. */
export const UPSTREAM_READER = 'ags:05974028';

/** A hub's XTA upstream channel, not started, and the intermediary it polls: for stage tests that call the pollers. */
export interface XtaUpstreamStage {
  readonly deps: HubDeps;
  readonly channel: XtaUpstreamChannel;
  /** The test intermediary with box `rz-box`, reached over mutual TLS with the hub's account certificate. */
  readonly server: XtaUpstreamServer;
  /** The reader's certificate, to encrypt messages for the hub. */
  readonly readerCert: string;
  /** A minimal XBau application the hub takes in. */
  readonly xbau: Buffer;
  stop(): Promise<void>;
}

/**
 * Builds the hub (no roles started) with the upstream box `rz-box` of UPSTREAM_READER at a fresh test intermediary
 * (own PKI), plus the upstreams `moreUpstreams` adds — given the PKI to start their own intermediaries with.
 */
export async function startXtaUpstreamStage(
  name: string,
  options: { maxContainerBytes?: number; submissionBytes?: number; moreUpstreams?: (pki: TestPki) => Promise<Array<Record<string, unknown>>> } = {},
): Promise<XtaUpstreamStage> {
  const dir = await tempDir(name);
  const pki = await createTestPki(dir, 'rz');
  const account = await pki.client('weiche');
  const server = await new XtaUpstreamServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca, accounts: [{ certificatePem: account.cert, identity: UPSTREAM_READER }] }).start();
  const box = { id: 'rz-box', tenant: 'testhausen', reader: UPSTREAM_READER, managementUrl: server.managementUrl, msgBoxUrl: server.msgBoxUrl, auth: { clientCertificateFile: account.certFile, clientKeyFile: account.keyFile }, caFile: pki.caFile };
  const more = (await options.moreUpstreams?.(pki)) ?? [];
  const written = await writeXtaTestConfig(dir, {
    ...(options.maxContainerBytes !== undefined ? { maxContainerBytes: options.maxContainerBytes } : {}),
    overrides(raw) {
      raw.upstreams = { xta: [box, ...more] };
      if (options.submissionBytes !== undefined) raw.limits = { ...(raw.limits as object | undefined), submissionBytes: options.submissionBytes };
    },
  });
  const { schema } = written.cfg;
  const deps = await createHubDeps(loadConfigFile(written.cfg.file, {}), createLogger({ level: 'silent' }));
  const channel = deps.channels.get(XTA_UPSTREAM_CHANNEL) as XtaUpstreamChannel;
  const xta = deps.channels.get(XTA_CHANNEL) as unknown as { readers: ReadonlyMap<string, { certificatePem: string }> };
  return {
    deps,
    channel,
    server,
    readerCert: xta.readers.get(UPSTREAM_READER)?.certificatePem ?? '',
    xbau: await readFile(join(REPO_ROOT, 'packages/mappings/xbau-passthrough/samples/minimal.input.xml')),
    async stop() {
      await channel.stop?.();
      await deps.close();
      await server.stop();
      await dropSchema(schema);
    },
  };
}
