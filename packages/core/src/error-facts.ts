import { isWeicheError } from './errors.js';

/**
 * What a log line may say about an error: what kind of error it is, never what its message says. A message is
 * free text written by whoever threw it — an adapter a municipality wrote, Node quoting the path of a file named
 * after a citizen's attachment, a far side echoing the application — so it goes where the access-controlled
 * console shows it (the journal), and the log, which is not access-controlled, gets these facts.
 */
export interface ErrorFacts {
  /** The error's class (`PermanentDeliveryError`, `TypeError`); `Error` where it names none fit to log. */
  readonly type: string;
  /** The catalogue code (`WEICHE_ERR_…`) of the first catalogue error along the cause chain. */
  readonly code?: string;
  /** The system or library code of the first error along the chain that has one: `ENOSPC`, `ECONNREFUSED`, an SFTP status. */
  readonly errno?: string | number;
  /** The system call that failed (`open`, `connect`), with the errno. */
  readonly syscall?: string;
  /** The HTTP status a library's or client's error carries (`status`/`statusCode`: the far side's answer). */
  readonly status?: number;
}

// Only values of these shapes are facts; anything else on the error (a code or name a library filled from input) is left out.
const TYPE = /^[A-Za-z_$][\w$]{0,63}$/;
const CODE = /^[A-Z][A-Z0-9_]{1,63}$/;
const SYSCALL = /^[a-z][a-z0-9_]{0,31}$/;
const MAX_CAUSES = 8;

const field = (error: object, name: string): unknown => (error as Record<string, unknown>)[name];

/** The facts of an error (and its causes) that a log line may carry; see ErrorFacts. */
export function errorFacts(error: unknown): ErrorFacts {
  if (typeof error !== 'object' || error === null) return { type: typeof error };
  const name = field(error, 'name');
  const facts: { -readonly [K in keyof ErrorFacts]: ErrorFacts[K] } = {
    type: typeof name === 'string' && TYPE.test(name) ? name : 'Error',
  };
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSES && typeof current === 'object' && current !== null; depth++) {
    if (isWeicheError(current)) {
      // its status is what the hub would answer, not a fact of the failure: not taken
      facts.code ??= current.code;
    } else {
      const code = field(current, 'code');
      if (facts.errno === undefined && ((typeof code === 'string' && CODE.test(code)) || (typeof code === 'number' && Number.isInteger(code)))) {
        facts.errno = code;
        const syscall = field(current, 'syscall');
        if (typeof syscall === 'string' && SYSCALL.test(syscall)) facts.syscall = syscall;
      }
      const status = field(current, 'status') ?? field(current, 'statusCode');
      if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599) facts.status ??= status;
    }
    current = field(current, 'cause');
  }
  return facts;
}
