import { loadConfigFile } from '@weiche/config';
import { createPool, Journal } from '@weiche/journal';

/** `weiche audit verify`: recomputes the hash chain of the audit log in PostgreSQL. */
export async function auditVerify(configFile: string | undefined): Promise<number> {
  const url = configFile ? loadConfigFile(configFile).database.url : (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const schema = configFile ? loadConfigFile(configFile).database.schema : (process.env.WEICHE_DB_SCHEMA ?? 'weiche');
  const pool = createPool(url);
  try {
    const result = await new Journal({ pool, schema }).verifyAuditChain();
    if (result.ok) {
      console.log(`audit chain intact: ${result.count} record(s)`);
      return 0;
    }
    console.error(`audit chain BROKEN at record ${result.brokenAtSeq} (of ${result.count})`);
    return 2;
  } finally {
    await pool.end();
  }
}
