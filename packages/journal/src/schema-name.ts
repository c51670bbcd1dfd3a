import { escapeIdentifier } from 'pg';
import { ErrorCode, WeicheError } from '@weiche/core';

const SCHEMA = /^[a-z_][a-z0-9_]*$/;

/** Validates a schema name and returns it quoted as an SQL identifier (it is spliced into every statement). */
export function quoteSchema(schema: string): string {
  if (!SCHEMA.test(schema) || schema.length > 63) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `invalid journal schema name (expected /^[a-z_][a-z0-9_]*$/, ≤ 63 chars)`);
  }
  return escapeIdentifier(schema);
}
