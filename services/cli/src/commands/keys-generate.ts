import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateRsaKeyPair, keyIdOf } from '@weiche/crypto';

/** `weiche keys generate --out <dir>`: an RSA-4096 key pair with a self-signed certificate. */
export async function keysGenerate(out: string | undefined, cn: string | undefined): Promise<number> {
  if (!out) throw new Error('usage: weiche keys generate --out <dir> [--cn <name>]');
  const pair = await generateRsaKeyPair({ commonName: cn ?? 'Weiche', bits: 4096 });
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'key.pem'), pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  await writeFile(join(out, 'cert.pem'), pair.certificatePem, { flag: 'wx' });
  console.log(`wrote ${join(out, 'key.pem')} and ${join(out, 'cert.pem')} (kid ${keyIdOf(pair.certificatePem)})`);
  return 0;
}
