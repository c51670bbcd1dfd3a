/**
 * The sha256-hex strings anywhere in a jsonb column (written with its alias, e.g. `o.channel_meta`): the expression of
 * the GIN indexes over blob keys (migrations 0015, 0017). A query must use exactly this text for the planner to use them.
 */
export function blobRefsIn(column: string): string {
  return `jsonb_path_query_array(${column}, 'strict $.** ? (@.type() == "string" && @ like_regex "^[0-9a-f]{64}$")')`;
}
