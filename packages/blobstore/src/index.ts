export { FsBlobStore, type BlobRef } from './fs-blob-store.js';
export type { StoredBlob } from './stale-files.js';
export { TenantKeyring } from './tenant-keyring.js';
export { putEncrypted, getDecrypted } from './encrypted-blob.js';
export { isBlobKey } from './blob-key.js';
export type { ByteSource } from './byte-source.js';
export { WriteOnceFiles } from './write-once-files.js';
export { sealSecret, openSecret } from './sealed-secret.js';
export { masterKeyId, wrappedFor } from './tenant-key-file.js';
