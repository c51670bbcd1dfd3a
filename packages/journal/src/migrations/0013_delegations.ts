/**
 * 0013 — back offices (issue 15). Each submission records who processes it, decided once when it is first
 * routed: `processing_tenant` (the owner itself, or the back office of a delegation) and `delegation_id`;
 * NULL until decided, so a later change of the delegations never re-routes what was decided. The current
 * set of delegations is one jsonb list (parsed by the hub's zod schema), changed as a whole and audited.
 */
export const migration0013 = {
  id: '0013_delegations',
  sql: (s: string): string => `
ALTER TABLE ${s}.submissions ADD COLUMN delegation_id text, ADD COLUMN processing_tenant text;
CREATE INDEX submissions_processing_tenant_idx ON ${s}.submissions (processing_tenant) WHERE processing_tenant IS NOT NULL;

CREATE TABLE ${s}.delegation_set (
  one         boolean PRIMARY KEY DEFAULT true CHECK (one),
  delegations jsonb NOT NULL DEFAULT '[]'::jsonb,
  version     integer NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text NOT NULL DEFAULT ''
);
INSERT INTO ${s}.delegation_set (one) VALUES (true);
`,
} as const;
