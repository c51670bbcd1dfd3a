import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeTestConfig, type TestHubConfig } from './test-config.js';
import { XBAU_SERVICE } from './xta-sender.js';

/** The XTA parties of a test hub (identifiers as MessageMetaData writes them). */
export interface XtaTestParties {
  readonly author: { identifier: string; token: string };
  readonly otherAuthor: { identifier: string; token: string };
  readonly fachverfahren: { identifier: string; token: string };
  readonly otherFachverfahren: { identifier: string; token: string };
  readonly reader: string;
  readonly msgboxOutbox: string;
}

/**
 * A test hub with XTA: one reader (tenant testhausen, keystore generated on first start), two authors,
 * two Fachverfahren; XBau goes to the DMS folder as xdomea 0401 and as XBau into the box of `fachverfahren`.
 */
export async function writeXtaTestConfig(dir: string, options: { maxContainerBytes?: number; port?: number; overrides?: (raw: Record<string, unknown>) => void } = {}): Promise<{ cfg: TestHubConfig; parties: XtaTestParties }> {
  const token = (): string => randomBytes(18).toString('base64url');
  const parties: XtaTestParties = {
    author: { identifier: 'dvdv:portal-test', token: token() },
    otherAuthor: { identifier: 'dvdv:portal-other', token: token() },
    fachverfahren: { identifier: 'dvdv:fv-bauaufsicht', token: token() },
    otherFachverfahren: { identifier: 'dvdv:fv-other', token: token() },
    reader: 'ags:05974028',
    msgboxOutbox: join(dir, 'outbox'),
  };
  const cfg = await writeTestConfig(dir, {
    ...(options.port !== undefined ? { port: options.port } : {}),
    overrides: (raw) => {
      (raw.adapters as unknown[]).push({ id: 'fv-box', kind: 'xta-msgbox', config: { identity: parties.fachverfahren.identifier }, retry: { attempts: 3, backoffMs: 100, maxBackoffMs: 200 } });
      raw.routes = [
        { id: 'xta-dms', tenant: 'testhausen', service: XBAU_SERVICE, target: 'xdomea-3.1.0:0401', adapter: 'dms' },
        { id: 'xta-box', tenant: 'testhausen', service: XBAU_SERVICE, target: 'xbau-2.6:baugenehmigung.antrag.0200', adapter: 'fv-box' },
        { id: 'to-dms', tenant: 'testhausen', service: 'urn:de:fim:leika:leistung:99010003001006', target: 'xdomea-3.1.0:0401', adapter: 'dms' },
      ];
      raw.xta = {
        identities: [
          { identifier: parties.author.identifier, kind: 'author', token: parties.author.token },
          { identifier: parties.otherAuthor.identifier, kind: 'author', token: parties.otherAuthor.token },
          { identifier: parties.fachverfahren.identifier, kind: 'fachverfahren', token: parties.fachverfahren.token, tenant: 'testhausen' },
          { identifier: parties.otherFachverfahren.identifier, kind: 'fachverfahren', token: parties.otherFachverfahren.token, tenant: 'testhausen' },
        ],
        readers: [
          {
            identifier: parties.reader,
            tenant: 'testhausen',
            keystore: { pkcs12File: join(dir, 'keys', 'reader.p12'), passwordFile: join(dir, 'keys', 'reader.password') },
            generate: true,
          },
        ],
        ...(options.maxContainerBytes ? { limits: { maxContainerBytes: options.maxContainerBytes } } : {}),
      };
      options.overrides?.(raw);
    },
  });
  return { cfg, parties };
}
