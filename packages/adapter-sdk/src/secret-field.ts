import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Secret } from '@weiche/core';

/**
 * A secret in an adapter's config: inline, or `{ file: path }` (a mounted Docker/Kubernetes secret; the
 * hub resolves a relative path against the config file). Becomes a Secret that never prints; a file that
 * cannot be read or a value shorter than `minLength` is a config problem naming the file, never the value.
 */
export function secretField(minLength: number, message = `use at least ${minLength} characters`) {
  // a Secret passes as it is: code that builds a config (tests, fixtures) hands over the parsed form
  const shape = z.union([z.string(), z.strictObject({ file: z.string().min(1) }), z.instanceof(Secret)], {
    error: (issue) => (issue.input === undefined ? 'required: the secret inline or as { file: path }' : 'expected the secret inline or as { file: path }'),
  });
  return shape.transform((value, ctx) => {
    let revealed: string;
    if (value instanceof Secret) {
      revealed = value.reveal();
    } else if (typeof value === 'string') {
      revealed = value;
    } else {
      try {
        revealed = readFileSync(value.file, 'utf8').trim();
      } catch {
        ctx.addIssue({ code: 'custom', message: `cannot read secret file ${value.file}` });
        return z.NEVER;
      }
    }
    if (revealed.length < minLength) {
      ctx.addIssue({ code: 'custom', message: typeof value === 'object' && !(value instanceof Secret) ? `${message} (the file holds ${revealed.length})` : message });
      return z.NEVER;
    }
    return new Secret(revealed);
  });
}
