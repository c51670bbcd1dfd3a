import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorFacts } from './error-facts.js';
import { ErrorCode, WeicheError } from './errors.js';

const CITIZEN = 'Mustermann_Erika_Personalausweis.pdf';

/** Node's own error for a write below a plain file: its message holds the path, and so the citizen's file name. */
async function nodeWriteError(): Promise<NodeJS.ErrnoException> {
  const dir = join(tmpdir(), `error-facts-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'plain-file'), 'x');
  return writeFile(join(dir, 'plain-file', CITIZEN), 'x').then(
    () => expect.fail('the write should fail'),
    (error: unknown) => error as NodeJS.ErrnoException,
  );
}

describe('errorFacts', () => {
  it("takes Node's errno and syscall, never its message with the path", async () => {
    const error = await nodeWriteError();
    expect(error.message).toContain(CITIZEN);
    const facts = errorFacts(error);
    expect(facts).toEqual({ type: 'Error', errno: 'ENOTDIR', syscall: 'open' });
    expect(JSON.stringify(facts)).not.toContain('Erika');
  });

  it("finds the catalogue code on the error and the errno along its causes (an adapter's wrapped fs error)", async () => {
    const cause = await nodeWriteError();
    class PermanentDeliveryError extends WeicheError {
      override readonly name = 'PermanentDeliveryError';
    }
    const error = new PermanentDeliveryError(ErrorCode.DELIVERY_PERMANENT, `DMS import refused ${CITIZEN}: ${cause.message}`, { cause });
    expect(errorFacts(error)).toEqual({ type: 'PermanentDeliveryError', code: 'WEICHE_ERR_DELIVERY_PERMANENT', errno: 'ENOTDIR', syscall: 'open' });
  });

  it("takes a far side's HTTP status and a numeric protocol code (SFTP status), not the answer", () => {
    const answer = Object.assign(new Error(`HTTP 500: Antrag von Erika Mustermann abgelehnt`), { status: 500, body: 'Erika Mustermann' });
    expect(errorFacts(answer)).toEqual({ type: 'Error', status: 500 });
    expect(errorFacts(Object.assign(new Error(`No such file: /upload/${CITIZEN}`), { code: 2 }))).toEqual({ type: 'Error', errno: 2 });
  });

  it('leaves out names, codes and syscalls that are not of their shape (filled from input)', () => {
    const hostile = Object.assign(new Error('x'), { name: 'Erika Mustermann', code: 'Mustermann_Erika.pdf', syscall: 'open /home/erika' });
    expect(errorFacts(hostile)).toEqual({ type: 'Error' });
  });

  it('a catalogue error: its code, not the status the hub would answer with', () => {
    expect(errorFacts(new WeicheError(ErrorCode.MAPPING_FAILED, `mapping failed: ${CITIZEN}`, { status: 422 }))).toEqual({ type: 'WeicheError', code: 'WEICHE_ERR_MAPPING_FAILED' });
  });

  it('anything thrown that is no object: its type only', () => {
    expect(errorFacts(`Erika Mustermann`)).toEqual({ type: 'string' });
    expect(errorFacts(undefined)).toEqual({ type: 'undefined' });
  });

  it('stops on a cause chain that loops', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(errorFacts(a)).toEqual({ type: 'Error' });
  });
});
