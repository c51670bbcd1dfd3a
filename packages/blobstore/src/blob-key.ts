import { join } from 'node:path';
import { blobNotFound } from './storage-error.js';

const KEY = /^[0-9a-f]{64}$/;

/** True when `key` is a well-formed blob key (lower-case sha256 hex). */
export function isBlobKey(key: string): boolean {
  return KEY.test(key);
}

/**
 * Path of a blob below `root`: <root>/<k[0..2]>/<key>. Anything that is not a sha256 hex key is
 * reported as NOT_FOUND, so no caller-supplied string ever reaches the filesystem as a path.
 */
export function blobPath(root: string, key: string): string {
  if (!isBlobKey(key)) throw blobNotFound(key.slice(0, 80));
  return join(root, key.slice(0, 2), key);
}
