/**
 * An index a migration builds inside its transaction (writes to the table wait meanwhile) that an operator of a large
 * journal may build beforehand with CREATE INDEX CONCURRENTLY under the same name (CHANGELOG, upgrade notes): IF NOT
 * EXISTS keeps such a one. A concurrent build that failed leaves an INVALID index under the name, which IF NOT EXISTS
 * would keep too, unused for ever: such a one is dropped and built again here.
 */
export function indexKeepingPrebuilt(s: string, name: string, on: string): string {
  return `${dropIfInvalid(s, name)}\nCREATE INDEX IF NOT EXISTS ${name} ON ${s}.${on};`;
}

/** Drops `name` in schema `s` when it is an INVALID index (a failed CREATE INDEX CONCURRENTLY). */
function dropIfInvalid(s: string, name: string): string {
  return `DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
              WHERE c.relname = '${name}' AND c.relnamespace = '${s}'::regnamespace AND NOT i.indisvalid) THEN
    DROP INDEX ${s}.${name};
  END IF;
END $$;`;
}
