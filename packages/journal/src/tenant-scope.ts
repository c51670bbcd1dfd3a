/**
 * The submissions (alias `alias`) a reader scoped to the tenants in parameter `param` (text[]) sees: its own,
 * and those it processes as the back office of another tenant (issue 15, migration 0013).
 */
export function visibleTo(alias: string, param: string): string {
  return `(${alias}.tenant_id = ANY(${param}::text[]) OR ${alias}.processing_tenant = ANY(${param}::text[]))`;
}

/** The same, where the parameter may be NULL (every tenant). */
export function visibleToOrAll(alias: string, param: string): string {
  return `(${param}::text[] IS NULL OR ${visibleTo(alias, param)})`;
}
