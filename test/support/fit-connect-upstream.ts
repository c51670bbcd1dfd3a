import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { TestSender } from './fit-connect-sender.js';
import { SERVICE } from './test-config.js';
import type { TestZustelldienst } from './test-zustelldienst.js';

export interface UpstreamFixture {
  /** The `upstreams.fitConnect[]` entry for the hub's config. */
  readonly config: Record<string, unknown>;
  readonly destinationId: string;
  /** A sender (online service) posting to the Zustelldienst. */
  readonly sender: TestSender;
  readonly callbackSecret: string;
  /** From now on the Zustelldienst calls `url` back on each new submission for the destination (once the hub's URL is known). */
  callBackTo(url: string): void;
}

/**
 * Sets up one destination at the test Zustelldienst as FIT-Connect's self-service portal would: an RSA-4096
 * encryption key pair (the private part written as a JWK for the hub), a signing key registered under a kid
 * (its private part written as PKCS#8 PEM), a subscriber client and a sender client.
 */
export async function upstreamFixture(zd: TestZustelldienst, dir: string, options: { id?: string; tenant?: string; pollIntervalMs?: number } = {}): Promise<UpstreamFixture> {
  const id = options.id ?? 'zd-test';
  const destinationId = randomUUID();
  const encryptionKid = randomUUID();
  const enc = await generateKeyPair('RSA-OAEP-256', { modulusLength: 4096, extractable: true });
  const publicEncryptionJwk = { ...(await exportJWK(enc.publicKey)), kid: encryptionKid, alg: 'RSA-OAEP-256', key_ops: ['wrapKey'] };
  const privateJwk = { ...(await exportJWK(enc.privateKey)), kid: encryptionKid, alg: 'RSA-OAEP-256' };
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingPem = signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const signingKeyId = randomUUID();
  const callbackSecret = randomBytes(32).toString('hex');
  const destination = zd.addDestination({ destinationId, encryptionKid, publicEncryptionJwk, services: [SERVICE] });
  zd.registerSubscriberKey(destinationId, signingKeyId, signingPem);
  const subscriberId = randomUUID();
  const subscriberSecret = zd.addClient(subscriberId, [`subscribe:destination:${destinationId}`]);
  const senderId = randomUUID();
  // the sender's tokens live long: only the subscriber's are meant to expire during a test
  const senderSecret = zd.addClient(senderId, ['send:region:DE'], 3600);
  const decryptionKeyFile = join(dir, `${id}-destination.jwk.json`);
  const signingKeyFile = join(dir, `${id}-signing.key.pem`);
  await writeFile(decryptionKeyFile, JSON.stringify(privateJwk), { mode: 0o600 });
  await writeFile(signingKeyFile, signingPem, { mode: 0o600 });
  return {
    destinationId,
    callbackSecret,
    callBackTo: (url) => void (destination.callback = { url, secret: callbackSecret }),
    sender: new TestSender(zd.url, senderId, senderSecret),
    config: {
      id,
      tenant: options.tenant ?? 'testhausen',
      submissionApiUrl: zd.url,
      tokenUrl: `${zd.url}/token`,
      clientId: subscriberId,
      clientSecret: subscriberSecret,
      destinationId,
      decryptionKeyFile,
      signingKeyFile,
      signingKeyId,
      pollIntervalMs: options.pollIntervalMs ?? 300,
      callbackSecret,
    },
  };
}
