export { generateRsaKeyPair, readPkcs12, privateKeyFromPem, keyIdOf, thumbprintOf, withFormerKids, publicEncryptionJwk, publicSigningJwk } from './keys.js';
export type { PublicJwk } from './keys.js';
export { KID_LENGTH, comparableKid, sameKid, findByKid } from './key-id.js';
export { checkJweHeader, checkProtectedHeader, JweRejectedError } from './jwe-header.js';
export type { JweHeader, JweRejectionReason } from './jwe-header.js';
export { decryptCompactJwe, decryptJweStream } from './decrypt-jwe.js';
export type { JweKeyOptions } from './decrypt-jwe.js';
export { sha512Hex, sha512Tap } from './hash.js';
export { JwtSigner, AccessTokenRejectedError, type PublishedSigningCertificate } from './signer.js';
export type { AccessTokenRejectionReason } from './signer.js';
export { openOsciKeystore, decryptOsciContent, OsciDecryptionError, verifyAuthorSignature } from './osci/index.js';
export type {
  OsciKeyEntry,
  OsciKeystore,
  DecryptOsciOptions,
  OsciContentAlgorithm,
  OsciDecryptionResult,
  OsciKeyTransport,
  OsciDecryptionReason,
  AuthorSignatureFailure,
  AuthorSignatureResult,
} from './osci/index.js';
export { configureCryptoPool, cryptoPool, CryptoPool, defaultCryptoThreads } from './pool/crypto-pool.js';
export type { CryptoPoolStats } from './pool/crypto-pool.js';
export type { SignatureAlgorithm } from './pool/crypto-task.js';
export { EvidenceKey, EvidenceKeyring, EvidenceSignatureError, generateEvidenceKeyPem, EVIDENCE_ALG } from './evidence-keys.js';
export { signCompactJws } from './jws.js';
