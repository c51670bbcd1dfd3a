import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from './env.js';
import { startInProcessHub, type InProcessHub } from './hub-in-process.js';
import { writeXtaTestConfig, type XtaTestParties } from './xta-config.js';
import { XtaTestClient } from './xta-sender.js';

/** An in-process hub with XTA, the author's client, the reader's certificate as lookupService gives it, and an XBau 2.6 Bauantrag. */
export interface XtaTestHub {
  readonly hub: InProcessHub;
  readonly parties: XtaTestParties;
  readonly author: XtaTestClient;
  readonly readerCert: string;
  /** The xbau-passthrough sample; it names three files (…0002_Bauantrag.pdf, …0003_Lageplan_Größe_Straße.pdf, …0004_Ansicht Süd.jpg). */
  readonly xbau: Buffer;
}

/** Starts a hub of writeXtaTestConfig (in a fresh temp directory named after `name`) and asks it for the reader's certificate. */
export async function startXtaTestHub(name: string, options: Parameters<typeof writeXtaTestConfig>[1] & Pick<Parameters<typeof startInProcessHub>[1] & object, 'log' | 'adapterKinds'> = {}): Promise<XtaTestHub> {
  const { log, adapterKinds, ...configOptions } = options;
  const { cfg, parties } = await writeXtaTestConfig(await tempDir(name), configOptions);
  const hub = await startInProcessHub(cfg, { ...(log ? { log } : {}), ...(adapterKinds ? { adapterKinds } : {}) });
  const author = new XtaTestClient(hub.baseUrl, parties.author.token);
  return {
    hub,
    parties,
    author,
    readerCert: (await author.readerCertificate(parties.reader)) ?? '',
    xbau: await readFile(join(REPO_ROOT, 'packages/mappings/xbau-passthrough/samples/einfamilienhaus.input.xml')),
  };
}
