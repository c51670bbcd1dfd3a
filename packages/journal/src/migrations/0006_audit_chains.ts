/**
 * 0006 — the audit log as many keyed chains sealed by signed checkpoints (issues 11 and 12,
 * docs/adr/0005-audit-chain.md).
 *
 * - `audit` becomes partitioned by month (RANGE on `at`), so retention can drop whole months; the hub
 *   creates partitions ahead with audit_ensure_partition(). Every partition gets the append-only triggers
 *   (row triggers are cloned from the parent; TRUNCATE triggers are created per partition).
 * - Each record belongs to a chain (`submission:<id>`, `hub:<n>`, `legacy`) at a contiguous `chain_seq`,
 *   links to its predecessor by `prev_hash`, and carries `mac`, an HMAC of its hash under the evidence key `kid`.
 * - `audit_heads` holds each chain's newest position (the row lock serialises appends to one chain only)
 *   and how far the last checkpoint sealed it. It is a working table, not evidence.
 * - `audit_checkpoints` / `audit_checkpoint_heads` index the signed checkpoints, whose originals live in
 *   the blob store under `audit-checkpoints/`; verification checks this index against them.
 * - The records of the old single chain keep their hashes and become the chain `legacy`, verified the old
 *   way (no MAC) and sealed by the first checkpoint the hub writes.
 */
export const migration0006 = {
  id: '0006_audit_chains',
  sql: (s: string): string => `
ALTER TABLE ${s}.audit RENAME TO audit_0005;

CREATE SEQUENCE ${s}.audit_seq AS bigint;
SELECT setval('${s}.audit_seq', COALESCE((SELECT max(seq) FROM ${s}.audit_0005), 0) + 1, false);

CREATE TABLE ${s}.audit (
  seq            bigint NOT NULL DEFAULT nextval('${s}.audit_seq'),
  at             timestamptz NOT NULL,
  chain          text COLLATE "C" NOT NULL,
  chain_seq      bigint NOT NULL CHECK (chain_seq >= 1),
  tenant_id      text,
  submission_id  text,
  actor          text NOT NULL,
  stage          text NOT NULL,
  from_state     text,
  to_state       text,
  input_hash     text,
  output_hash    text,
  details        jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash      text NOT NULL,
  hash           text NOT NULL,
  kid            text,
  mac            text,
  CONSTRAINT audit_seq_at_pk PRIMARY KEY (seq, at)
) PARTITION BY RANGE (at);
ALTER SEQUENCE ${s}.audit_seq OWNED BY ${s}.audit.seq;
CREATE INDEX audit_chain_seq_idx ON ${s}.audit (chain, chain_seq);
CREATE INDEX audit_submission_seq_idx ON ${s}.audit (submission_id, seq);
CREATE INDEX audit_tenant_chain_idx ON ${s}.audit (tenant_id, chain) WHERE tenant_id IS NOT NULL;

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON ${s}.audit
  FOR EACH ROW EXECUTE FUNCTION ${s}.audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON ${s}.audit
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.audit_append_only();

-- the partition of one UTC month (idempotent; safe when two replicas create the same month at once)
CREATE FUNCTION ${s}.audit_ensure_partition(month date) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  first date := date_trunc('month', month)::date;
  part text := 'audit_' || to_char(first, 'YYYY_MM');
BEGIN
  IF to_regclass('${s}.' || quote_ident(part)) IS NOT NULL THEN RETURN; END IF;
  BEGIN
    -- bounds in UTC, whatever the session's time zone, so partitions made by different hosts always abut
    EXECUTE format('CREATE TABLE ${s}.%I PARTITION OF ${s}.audit FOR VALUES FROM (%L) TO (%L)', part,
                   first::timestamp AT TIME ZONE 'UTC', (first + interval '1 month')::timestamp AT TIME ZONE 'UTC');
    EXECUTE format('CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON ${s}.%I FOR EACH STATEMENT EXECUTE FUNCTION ${s}.audit_append_only()', part);
  EXCEPTION WHEN duplicate_table OR duplicate_object THEN
    NULL;
  END;
END
$fn$;

SELECT ${s}.audit_ensure_partition(m::date)
  FROM generate_series(date_trunc('month', LEAST(now(), COALESCE((SELECT min(at) FROM ${s}.audit_0005), now())) AT TIME ZONE 'UTC'),
                       date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months', interval '1 month') AS m;

INSERT INTO ${s}.audit (seq, at, chain, chain_seq, tenant_id, submission_id, actor, stage, from_state, to_state,
                        input_hash, output_hash, details, prev_hash, hash)
SELECT o.seq, o.at, 'legacy', row_number() OVER (ORDER BY o.seq), su.tenant_id, o.submission_id, o.actor, o.stage,
       o.from_state, o.to_state, o.input_hash, o.output_hash, o.details, o.prev_hash, o.hash
  FROM ${s}.audit_0005 o LEFT JOIN ${s}.submissions su USING (submission_id);

CREATE TABLE ${s}.audit_heads (
  chain       text COLLATE "C" PRIMARY KEY,
  chain_seq   bigint NOT NULL,
  hash        text NOT NULL,
  at          timestamptz NOT NULL,
  sealed_seq  bigint NOT NULL DEFAULT 0
);
CREATE INDEX audit_heads_unsealed_idx ON ${s}.audit_heads (chain) WHERE chain_seq > sealed_seq;

INSERT INTO ${s}.audit_heads (chain, chain_seq, hash, at)
SELECT 'legacy', chain_seq, hash, at FROM ${s}.audit WHERE chain = 'legacy' ORDER BY chain_seq DESC LIMIT 1;

DROP TABLE ${s}.audit_0005;

CREATE TABLE ${s}.audit_checkpoints (
  no             bigint PRIMARY KEY CHECK (no >= 1),
  issued_at      timestamptz NOT NULL,
  kid            text NOT NULL,
  jws            text NOT NULL,
  hash           text NOT NULL,
  chains         integer NOT NULL,
  records        bigint NOT NULL,
  total_records  bigint NOT NULL
);
CREATE TABLE ${s}.audit_checkpoint_heads (
  checkpoint_no  bigint NOT NULL REFERENCES ${s}.audit_checkpoints (no),
  chain          text COLLATE "C" NOT NULL,
  chain_seq      bigint NOT NULL,
  hash           text NOT NULL,
  at             timestamptz NOT NULL,
  PRIMARY KEY (chain, checkpoint_no)
);
CREATE INDEX audit_checkpoint_heads_no_idx ON ${s}.audit_checkpoint_heads (checkpoint_no);
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON ${s}.audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION ${s}.audit_append_only();
CREATE TRIGGER audit_checkpoint_heads_append_only BEFORE UPDATE OR DELETE ON ${s}.audit_checkpoint_heads
  FOR EACH ROW EXECUTE FUNCTION ${s}.audit_append_only();
`,
} as const;
