import { pino, type DestinationStream, type Logger } from 'pino';

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

/** The hub's logger (stdout unless `destination` is given: a test reads what the hub would have printed). */
export function createLogger(options: { level?: string; role?: string; destination?: DestinationStream } = {}): Logger {
  const settings = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: 'weiche', ...(options.role ? { role: options.role } : {}) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
