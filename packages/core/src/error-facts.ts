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

/** A V8 stack frame (`    at fn (file:line:col)`, `    at file:line:col`, `    at async Promise.all (index 0)`, `(native)`). */
const FRAME = /^ {4}at .*(?::\d+:\d+\)?|\((?:native|index \d+|<anonymous>)\))$/;
const MAX_FRAMES = 20;

/**
 * The code locations of an error's stack, without its first line: V8 writes the message there (`TypeError: …`,
 * over as many lines as the message has), and a message is free text. Code locations are no personal data, and
 * they tell an operator (and whoever fixes the bug) where an unexpected failure happened. Only lines shaped like a
 * frame are kept, after the message is cut off where the stack quotes it: a message with a line break and
 * `    at ` in it does not pass for frames.
 */
export function stackFrames(error: unknown): string[] | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const stack = field(error, 'stack');
  if (typeof stack !== 'string') return undefined;
  const message = field(error, 'message');
  const quoted = typeof message === 'string' && message.length > 0 ? stack.indexOf(message) : -1;
  const lines = (quoted >= 0 ? stack.slice(quoted + (message as string).length) : stack).split('\n');
  const frames = lines.filter((line) => FRAME.test(line)).slice(0, MAX_FRAMES).map((line) => line.slice(4));
  return frames.length > 0 ? frames : undefined;
}
