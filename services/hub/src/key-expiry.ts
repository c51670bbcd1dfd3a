import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { WeicheConfig } from '@weiche/config';
import { errorMessage } from '@weiche/core';
import { keyIdOf } from '@weiche/crypto';
import { loadReaders } from './channels/xta/reader-keystores.js';
import { publishedSigningCertificates } from './hub-keys.js';

/** When one key's certificate expires. `id` names the key (destination id and kid, reader identifier, …), never a secret. */
export interface KeyExpiry {
  readonly kind: string;
  readonly id: string;
  readonly notAfter: string;
  readonly secondsLeft: number;
  /** Expires within keyExpiry.warnDays (or has expired). */
  readonly warning: boolean;
}

/** A certificate that could not be read is a warning too, with the reason; it never breaks the scrape. */
export interface UnreadableKey {
  readonly kind: string;
  readonly id: string;
  readonly error: string;
}

export interface KeyExpiryReport {
  readonly keys: KeyExpiry[];
  readonly unreadable: UnreadableKey[];
  readonly warnDays: number;
}

type ExpiryConfig = Pick<WeicheConfig, 'dataDir' | 'destinations' | 'xta' | 'keyExpiry'>;

const CACHE_MS = 5 * 60_000;

/**
 * The keys and certificates the hub uses, with their expiry: every destination key (current and
 * decrypt-only), every signing certificate in the JWKS, every XTA reader keystore, and the certificates
 * named in keyExpiry.certificates (TLS served by the ingress, XTA authors). Read from disk at most every
 * few minutes (keystores are slow to open), so a scrape stays cheap.
 */
export class KeyExpiryWatch {
  private cached: { at: number; report: Promise<{ certs: Array<{ kind: string; id: string; notAfter: Date }>; unreadable: UnreadableKey[] }> } | undefined;

  constructor(
    private readonly config: ExpiryConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async report(): Promise<KeyExpiryReport> {
    if (!this.cached || this.now().getTime() - this.cached.at > CACHE_MS) {
      const report = collect(this.config);
      this.cached = { at: this.now().getTime(), report };
      report.catch(() => (this.cached = undefined));
    }
    const { certs, unreadable } = await this.cached.report;
    const now = this.now().getTime();
    const warnSeconds = this.config.keyExpiry.warnDays * 86_400;
    const keys = certs.map((c) => {
      const secondsLeft = Math.floor((c.notAfter.getTime() - now) / 1000);
      return { kind: c.kind, id: c.id, notAfter: c.notAfter.toISOString(), secondsLeft, warning: secondsLeft < warnSeconds };
    });
    return { keys: keys.sort((a, b) => a.secondsLeft - b.secondsLeft), unreadable, warnDays: this.config.keyExpiry.warnDays };
  }
}

function notAfterOf(pem: string): Date {
  return new Date(new X509Certificate(pem).validTo);
}

async function collect(config: ExpiryConfig): Promise<{ certs: Array<{ kind: string; id: string; notAfter: Date }>; unreadable: UnreadableKey[] }> {
  const certs: Array<{ kind: string; id: string; notAfter: Date }> = [];
  const unreadable: UnreadableKey[] = [];
  const add = async (kind: string, id: string, read: () => Promise<{ pem: string; id?: string }>): Promise<void> => {
    try {
      const { pem, id: named } = await read();
      certs.push({ kind, id: named ?? id, notAfter: notAfterOf(pem) });
    } catch (error) {
      unreadable.push({ kind, id, error: errorMessage(error) });
    }
  };
  for (const d of config.destinations) {
    // a relay destination's keys are its subscriber's (no certificate here)
    const files = d.keys ? [d.keys.certificateFile, ...d.keys.decryptOnly.map((k) => k.certificateFile)] : [];
    for (const file of files) {
      await add('destination', d.id, async () => {
        const pem = await readFile(file, 'utf8');
        return { pem, id: `${d.id}/${keyIdOf(pem)}` };
      });
    }
  }
  for (const c of await publishedSigningCertificates(config.dataDir)) await add('signing', c.kid, async () => ({ pem: c.certificatePem }));
  const readers = config.xta?.readers ?? [];
  if (readers.length > 0) {
    try {
      for (const [identifier, reader] of await loadReaders(readers.map((r) => ({ ...r, generate: false })))) await add('xta-reader', identifier, async () => ({ pem: reader.certificatePem }));
    } catch (error) {
      unreadable.push({ kind: 'xta-reader', id: '*', error: errorMessage(error) });
    }
  }
  for (const c of config.keyExpiry.certificates) await add(c.kind, c.id, async () => ({ pem: await readFile(c.file, 'utf8') }));
  return { certs, unreadable };
}
