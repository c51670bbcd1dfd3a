import { resolve } from 'node:path';
import { XsdValidator } from './xsd-validator.js';
import type { XoevStandardId } from './xsd-validator.js';

const shared = new Map<string, Promise<XsdValidator>>();

/** One compiled XsdValidator per (cache dir, standard) for the whole process: schemas are loaded once, then reused by every caller. */
export function sharedXsdValidator(opts: { cacheDir: string; standardId: XoevStandardId }): Promise<XsdValidator> {
  const key = `${resolve(opts.cacheDir)}\u0000${opts.standardId}`;
  let pending = shared.get(key);
  if (!pending) {
    pending = XsdValidator.load(opts);
    // A failed load (missing cache, tampered file) must not poison later attempts.
    pending.catch(() => shared.delete(key));
    shared.set(key, pending);
  }
  return pending;
}
