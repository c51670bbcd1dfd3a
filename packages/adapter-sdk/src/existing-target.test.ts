import { describe, expect, it } from 'vitest';
import { bufferPackage } from './conformance.js';
import { PermanentDeliveryError, TransientDeliveryError } from './errors.js';
import { examineTarget, type TargetProbe } from './existing-target.js';

const pkg = bufferPackage('p.zip', Buffer.from('the package'));

/** A far side holding one file (or none) under the name; counts how often the bytes were read. */
function farSide(file: { size: number; isFile?: boolean; sha256?: string | undefined } | undefined): TargetProbe & { reads: number } {
  const side = {
    reads: 0,
    stat: () => Promise.resolve(file && { size: file.size, isFile: file.isFile ?? true }),
    sha256: () => {
      side.reads++;
      return Promise.resolve(file?.sha256);
    },
  };
  return side;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('examineTarget', () => {
  it('finds nothing, or the package itself when size and SHA-256 match', async () => {
    expect(await examineTarget(farSide(undefined), pkg)).toBe('absent');
    expect(await examineTarget(farSide({ size: pkg.size, sha256: pkg.sha256 }), pkg)).toBe('ours');
  });

  it('refuses another file permanently, reading its bytes only when the size matches', async () => {
    const cases = [
      [{ size: pkg.size, sha256: '0'.repeat(64) }, '(same size, different content)', 1],
      [{ size: pkg.size + 1, sha256: pkg.sha256 }, '(different size)', 0],
      [{ size: pkg.size, isFile: false, sha256: pkg.sha256 }, '(not a plain file)', 0],
    ] as const;
    for (const [file, reason, reads] of cases) {
      const side = farSide(file);
      const error = await rejectionOf(examineTarget(side, pkg));
      expect(error, reason).toBeInstanceOf(PermanentDeliveryError);
      expect((error as Error).message).toContain(reason);
      expect((error as Error).message).not.toContain('p.zip');
      expect(side.reads, reason).toBe(reads);
    }
  });

  it('answers transient when the file vanished while it was read (the next attempt looks again)', async () => {
    expect(await rejectionOf(examineTarget(farSide({ size: pkg.size, sha256: undefined }), pkg))).toBeInstanceOf(TransientDeliveryError);
  });
});
