import { inspect } from 'node:util';

/**
 * A secret value that never prints: JSON, string conversion and util.inspect (and thus pino and
 * console.log) show "[redacted]". Read the value only where it is used, with `reveal()`.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
