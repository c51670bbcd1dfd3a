import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { EvidenceKey, EvidenceKeyring, EvidenceSignatureError, generateEvidenceKeyPem } from './evidence-keys.js';

const TYP = 'weiche-audit-checkpoint';

describe('evidence keys', () => {
  it('names a key by its JWK thumbprint and derives the same MAC key from the same PEM', async () => {
    const pem = generateEvidenceKeyPem();
    const a = EvidenceKey.fromPrivatePem(pem);
    const b = EvidenceKey.fromPrivatePem(pem);
    expect(a.kid).toBe(await calculateJwkThumbprint(a.publicJwk));
    expect(b.kid).toBe(a.kid);
    expect(a.mac('record')).toBe(b.mac('record'));
    expect(a.mac('record')).toMatch(/^[0-9a-f]{64}$/);
    const other = EvidenceKey.fromPrivatePem(generateEvidenceKeyPem());
    expect(other.kid).not.toBe(a.kid);
    expect(other.mac('record')).not.toBe(a.mac('record'));
  });

  it('refuses keys that are not EC P-256', async () => {
    expect(() => EvidenceKey.fromPrivatePem('not a pem')).toThrow(/private key PEM/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => EvidenceKey.fromPrivatePem(rsa)).toThrow(/P-256/);
  });

  it('signs ES256 JWS that verifies after a rotation, and with the public key alone', async () => {
    const old = EvidenceKey.fromPrivatePem(generateEvidenceKeyPem());
    const signedByOld = await new EvidenceKeyring(old).sign({ no: 1 }, TYP);
    expect(decodeProtectedHeader(signedByOld)).toEqual({ alg: 'ES256', kid: old.kid, typ: TYP });

    const rotated = new EvidenceKeyring(EvidenceKey.fromPrivatePem(generateEvidenceKeyPem()), [old]);
    expect(await rotated.verify(signedByOld, TYP)).toEqual({ kid: old.kid, payload: { no: 1 } });
    expect(rotated.checkMac(old.kid, 'x', old.mac('x'))).toBe(true);
    expect(rotated.checkMac(rotated.currentKid, 'x', old.mac('x'))).toBe(false);

    // a third party: public PEM only, plain node:crypto (what docs/adr/0005 describes)
    const [h, p, sig] = signedByOld.split('.') as [string, string, string];
    const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: createPublicKey(old.publicPem()), dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'));
    expect(ok).toBe(true);
    const publicOnly = new EvidenceKeyring(EvidenceKey.fromPublicPem(old.publicPem()));
    expect(publicOnly.currentKid).toBe(old.kid);
    expect((await publicOnly.verify(signedByOld, TYP)).payload).toEqual({ no: 1 });
  });

  it('rejects an unknown kid, a changed payload and a wrong typ', async () => {
    const ring = new EvidenceKeyring(EvidenceKey.fromPrivatePem(generateEvidenceKeyPem()));
    const stranger = new EvidenceKeyring(EvidenceKey.fromPrivatePem(generateEvidenceKeyPem()));
    const jws = await ring.sign({ no: 7 }, TYP);
    await expect(stranger.verify(jws, TYP)).rejects.toThrow(/unknown evidence key/);
    const [h, , s] = jws.split('.') as [string, string, string];
    const forged = `${h}.${Buffer.from(JSON.stringify({ no: 8 })).toString('base64url')}.${s}`;
    await expect(ring.verify(forged, TYP)).rejects.toBeInstanceOf(EvidenceSignatureError);
    await expect(ring.verify(await ring.sign({ no: 7 }, 'other'), TYP)).rejects.toThrow(/typ/);
  });
});
