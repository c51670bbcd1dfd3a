import type { Pool } from 'pg';
import { toJournalError } from './journal-error.js';
import { quoteSchema } from './schema-name.js';

/** The shared base of the journal's stores: one pool, one schema, and database errors mapped to the catalogue (503 when unreachable). */
export abstract class SchemaStore {
  protected readonly pool: Pool;
  /** Quoted schema identifier, spliced into every statement. */
  protected readonly s: string;

  constructor(opts: { pool: Pool; schema: string }) {
    this.pool = opts.pool;
    this.s = quoteSchema(opts.schema);
  }

  protected async query<R extends object>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (error) {
      throw toJournalError(error);
    }
  }
}
