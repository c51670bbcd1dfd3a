import { createHash, type X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { AgentOptions } from 'node:https';
import type { HttpAdapterConfig } from './config.js';

/** SHA-256 (hex) of a certificate's DER, the value `pinnedCertSha256` holds. */
export function certificateSha256(der: Buffer | X509Certificate): string {
  return createHash('sha256').update(Buffer.isBuffer(der) ? der : der.raw).digest('hex');
}

/** Reads the PEM files of the config and builds https agent options with the pin check. */
export async function tlsAgentOptions(config: HttpAdapterConfig): Promise<AgentOptions> {
  const pins = config.pinnedCertSha256 === undefined ? [] : [config.pinnedCertSha256].flat();
  const options: AgentOptions = { keepAlive: true };
  if (config.caFile !== undefined) options.ca = await readFile(config.caFile);
  if (config.clientCertFile !== undefined) options.cert = await readFile(config.clientCertFile);
  if (config.clientKeyFile !== undefined) options.key = await readFile(config.clientKeyFile);
  if (pins.length > 0) {
    // The pin is checked on top of the usual chain and host name checks, never instead of them.
    options.checkServerIdentity = (host: string, cert: PeerCertificate): Error | undefined => {
      const failure = checkServerIdentity(host, cert);
      if (failure) return failure;
      if (pins.includes(certificateSha256(cert.raw))) return undefined;
      return Object.assign(new Error('server certificate does not match pinnedCertSha256'), { code: 'ERR_WEICHE_CERT_PIN' });
    };
  }
  return options;
}
