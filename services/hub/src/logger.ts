import { pino, type DestinationStream, type Logger } from 'pino';
import { errorFacts, stackFrames, type ErrorFacts } from '@weiche/core';

/**
 * Personal data never reaches logs: request bodies are not logged at all, and these paths are
 * redacted wherever they appear in a log object (docs/conventions.md, item 10).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'body',
  'data',
  'metadata',
  'plaintext',
  '*.clientSecret',
  '*.client_secret',
  '*.secret',
  '*.password',
  '*.name',
  '*.address',
  '*.email',
  // what a sender writes about its files and its case (FIT-Connect metadata, XTA ContentContainer): should an
  // attachment or its metadata ever be logged whole, its name, description and reference stay out
  'filename',
  '*.filename',
  'description',
  '*.description',
  'senderReference',
  '*.senderReference',
];

/** An error as a log line shows it: its facts (errorFacts) and the code locations of its stack. */
export type LoggedError = ErrorFacts & { readonly stack?: readonly string[] };

/**
 * The one place that decides what a log line says about an error: whatever is logged under `err` (or `error`),
 * here or by Fastify, is named by its facts — class, catalogue code, errno/syscall, HTTP status — and its stack
 * frames, never by its message, which is free text (a path named after a citizen's file, a far side's answer, an
 * adapter's words). A string given there is a message someone took from an error: it is withheld too. What the
 * message said stays where the access-controlled console shows it (journal, upstream and callback records).
 */
export function loggedError(value: unknown): LoggedError {
  const stack = stackFrames(value);
  return { ...errorFacts(value), ...(stack ? { stack } : {}) };
}

// a path with a query string, as a message quotes it (`"/v1/x?q=…"`, `GET:/v1/x?q=…`)
const QUERY = /(\/[^\s"'`?]*)\?[^\s"'`]*/g;

/**
 * A message without the query strings of the URLs it quotes: Fastify's own lines quote a request's raw URL (`Reply was
 * already sent … in the "<url>" route`, route-not-found), and a query string is the client's input (a search term, a
 * name). The path stays: it holds the route and its ids.
 */
function withoutQueries(msg: unknown): unknown {
  return typeof msg === 'string' && msg.includes('?') ? msg.replace(QUERY, '$1?[query withheld]') : msg;
}

/** The hub's logger (stdout unless `destination` is given: a test reads what the hub would have printed). */
export function createLogger(options: { level?: string; role?: string; destination?: DestinationStream } = {}): Logger {
  const settings = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: 'weiche', ...(options.role ? { role: options.role } : {}) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: loggedError, error: loggedError },
    hooks: {
      // pino takes an error's message for the line's `msg` when a call gives none (`log.error(error)`,
      // `log.warn({ err })`), and Fastify's own error lines give it as their `msg`: such a line is named by the
      // error's class instead
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        if (typeof args[0] === 'string') return method.apply(this, [withoutQueries(args[0]), ...args.slice(1)]);
        const [first, msg] = args;
        if (typeof first === 'object' && first !== null) {
          const fields = first as Record<string, unknown>;
          const error = first instanceof Error ? first : (fields.err ?? fields.error);
          const quoted = typeof msg === 'string' && typeof error === 'object' && error !== null && msg === (error as { message?: unknown }).message;
          if (error !== undefined && ((args.length === 1 && fields.msg === undefined) || quoted)) {
            return method.apply(this, [first, `${errorFacts(error).type} (message withheld)`, ...args.slice(2)]);
          }
        }
        return method.apply(this, args.length > 1 ? [first, withoutQueries(msg), ...args.slice(2)] : args);
      },
    },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
