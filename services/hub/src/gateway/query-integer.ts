import { z } from 'zod';

/**
 * An integer query parameter (`offset`, `limit`): plain decimal digits only. `z.coerce.number()` took what
 * `Number()` takes — `0x10`, `1e1`, ` 5`, `5.0` — where the APIs' OpenAPI documents say integer; those are a 400.
 */
export function queryInteger(bounds: { min: number; max: number; default: number }) {
  return z
    .string()
    .regex(/^[0-9]{1,16}$/, 'a decimal integer is expected')
    .transform(Number)
    .pipe(z.number().int().min(bounds.min).max(bounds.max))
    .default(bounds.default)
    .describe(`integer from ${bounds.min} to ${bounds.max}, default ${bounds.default}`);
}
