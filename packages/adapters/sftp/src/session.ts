import { createHash } from 'node:crypto';
import { constantTimeEqual } from '@weiche/core';
import { readFile } from 'node:fs/promises';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { PermanentDeliveryError, TransientDeliveryError } from '@weiche/adapter-sdk';
import { classifyConnectError } from './classify-error.js';
import { parseHostKeyPin, type SftpConfig } from './config.js';

/** An open SFTP channel on its own SSH connection. */
export interface SftpSession {
  readonly sftp: SFTPWrapper;
  /** Ends the connection politely (pending requests finish first). */
  close(): void;
  /** Tears the connection down at once; pending requests fail. */
  destroy(): void;
  /**
   * Rejects (transient) when the connection closes. A request pending on a connection that dropped is
   * never answered, and a write stream then never finishes closing, so work on the session races this
   * (every request in sftp-ops.ts does; a delivery races its upload stream).
   */
  readonly closed: Promise<never>;
}

/** OpenSSH prints fingerprints as `SHA256:` + unpadded base64; reasons use the same form so operators can compare. */
export function fingerprint(digest: Buffer): string {
  return `SHA256:${digest.toString('base64').replace(/=+$/, '')}`;
}

async function credentials(config: SftpConfig): Promise<Pick<ConnectConfig, 'privateKey' | 'password'>> {
  if (config.privateKeyFile !== undefined) {
    try {
      return { privateKey: await readFile(config.privateKeyFile) };
    } catch (error) {
      throw new PermanentDeliveryError(`private key file not readable (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
    }
  }
  return config.password !== undefined ? { password: config.password.reveal() } : {};
}

/** Connects, verifies the pinned host key before authenticating, and opens the SFTP subsystem. */
export async function openSftp(config: SftpConfig, signal?: AbortSignal): Promise<SftpSession> {
  const target = `${config.host}:${config.port}`;
  const pin = parseHostKeyPin(config.hostKeySha256);
  if (!pin) throw new PermanentDeliveryError('hostKeySha256 is not a SHA-256 fingerprint');
  if (signal?.aborted) throw new TransientDeliveryError('delivery aborted before connecting');
  const auth = await credentials(config);

  return new Promise<SftpSession>((resolve, reject) => {
    const client = new Client();
    let presented: Buffer | undefined;
    let settled = false;
    const onAbort = (): void => fail(new TransientDeliveryError(`connection to ${target} aborted`));
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      client.destroy();
      reject(error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // Later errors (a reset mid-upload) also surface through the failing SFTP request; this
    // listener only keeps an unhandled 'error' event from crashing the process.
    client.on('error', (error) => {
      if (presented && !hostKeyMatches(presented, pin)) {
        fail(
          new PermanentDeliveryError(
            `host key mismatch: ${target} presented ${fingerprint(presented)}, pinned is ${fingerprint(pin)}`,
            { cause: error },
          ),
        );
        return;
      }
      fail(classifyConnectError(error, target));
    });
    client.on('close', () => fail(new TransientDeliveryError(`connection to ${target} closed during setup`)));
    client.on('ready', () => {
      client.sftp((error, sftp) => {
        if (error) {
          fail(new PermanentDeliveryError(`SFTP subsystem not available on ${target}`, { cause: error }));
          return;
        }
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        const closed = new Promise<never>((_, rejectClosed) => {
          client.once('close', () => rejectClosed(new TransientDeliveryError(`connection to ${target} closed`)));
        });
        closed.catch(() => undefined); // raced while in use; after use, closing is the normal end
        resolve({ sftp, close: () => client.end(), destroy: () => client.destroy(), closed });
      });
    });
    client.connect({
      host: config.host,
      port: config.port,
      username: config.username,
      readyTimeout: config.connectTimeoutMs,
      ...auth,
      // Checked before any credential is sent, so a wrong server never sees the login.
      hostVerifier: (key: Buffer): boolean => {
        presented = createHash('sha256').update(key).digest();
        return hostKeyMatches(presented, pin);
      },
    });
  });
}

function hostKeyMatches(digest: Buffer, pin: Buffer): boolean {
  return constantTimeEqual(digest, pin);
}
