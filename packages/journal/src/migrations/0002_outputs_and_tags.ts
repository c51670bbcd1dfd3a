/**
 * 0002 — what the dispatcher needs after mapping: the output package per target (one per mapping
 * target, encrypted at rest) and the JWE authentication tags that accept-submission echoes
 * (FIT-Connect: Event "accept-submission", authenticationTags). Both are references and hashes, no content.
 */
export const migration0002 = {
  id: '0002_outputs_and_tags',
  sql: (s: string): string => `
ALTER TABLE ${s}.submissions ADD COLUMN outputs jsonb;
ALTER TABLE ${s}.submissions ADD COLUMN authentication_tags jsonb;
`,
} as const;
