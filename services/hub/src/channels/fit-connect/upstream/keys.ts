import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ErrorCode, WeicheError } from '@weiche/core';

/** A private key from a file holding PKCS#8 PEM or a private JWK (JSON); a JWK also names its kid. */
export async function loadPrivateKeyFile(file: string, what: string): Promise<{ privateKey: KeyObject; kid?: string }> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `${what}: cannot read ${file}`, { cause: error });
  }
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as { kid?: unknown; d?: unknown };
      if (typeof jwk.d !== 'string') throw new Error('the JWK holds no private key');
      return { privateKey: createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }), ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}) };
    }
    return { privateKey: createPrivateKey(text) };
  } catch (error) {
    // the message names the file, never its content
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `${what}: ${file} is neither a PKCS#8 PEM nor a private JWK`, { cause: error });
  }
}
