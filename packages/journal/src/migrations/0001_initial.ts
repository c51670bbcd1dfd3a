/**
 * 0001 — the journal tables. `s` is the quoted schema identifier. Kept as a TS string (not a .sql file)
 * so it ships in dist without a copy step.
 */
export const migration0001 = {
  id: '0001_initial',
  sql: (s: string): string => `
CREATE TABLE ${s}.submissions (
  submission_id          text PRIMARY KEY,
  case_id                text NOT NULL,
  destination_id         text NOT NULL,
  tenant_id              text NOT NULL,
  sender_client_id       text NOT NULL,
  service_identifier     text NOT NULL,
  service_name           text,
  state                  text NOT NULL CHECK (state IN
                           ('CREATED','RECEIVED','OPENED','MAPPED','ROUTED','DELIVERING','DELIVERED','REJECTED','FAILED')),
  announced_attachments  jsonb NOT NULL DEFAULT '[]'::jsonb,
  callback               jsonb,
  metadata_blob_key      text,
  data_blob_key          text,
  output_blob_key        text,
  output_sha256          text,
  prozess_id             text,
  package_name           text,
  mapping_module         text,
  mapping_version        text,
  sender_reference       text,
  reason                 text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  submitted_at           timestamptz,
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX submissions_state_updated_idx ON ${s}.submissions (state, updated_at);
CREATE INDEX submissions_case_idx ON ${s}.submissions (case_id);
CREATE INDEX submissions_tenant_idx ON ${s}.submissions (tenant_id);

CREATE TABLE ${s}.attachments (
  submission_id  text NOT NULL REFERENCES ${s}.submissions (submission_id) ON DELETE CASCADE,
  attachment_id  text NOT NULL,
  blob_key       text NOT NULL,
  size           bigint NOT NULL CHECK (size >= 0),
  uploaded_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (submission_id, attachment_id)
);

CREATE TABLE ${s}.deliveries (
  submission_id     text NOT NULL REFERENCES ${s}.submissions (submission_id) ON DELETE CASCADE,
  route_id          text NOT NULL,
  adapter_instance  text NOT NULL,
  target            text NOT NULL,
  state             text NOT NULL CHECK (state IN ('PENDING','DELIVERED','FAILED')),
  attempts          integer NOT NULL DEFAULT 0,
  receipt           jsonb,
  last_error        text,
  delivered_at      timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (submission_id, route_id)
);

CREATE TABLE ${s}.delivery_attempts (
  id             bigserial PRIMARY KEY,
  submission_id  text NOT NULL,
  route_id       text NOT NULL,
  attempt        integer NOT NULL,
  outcome        text NOT NULL CHECK (outcome IN ('success','transient','permanent')),
  error          text,
  receipt        jsonb,
  at             timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (submission_id, route_id) REFERENCES ${s}.deliveries (submission_id, route_id) ON DELETE CASCADE
);
CREATE INDEX delivery_attempts_submission_idx ON ${s}.delivery_attempts (submission_id, id);

CREATE TABLE ${s}.events (
  seq            bigserial PRIMARY KEY,
  case_id        text NOT NULL,
  submission_id  text NOT NULL,
  event_name     text NOT NULL,
  jti            text NOT NULL UNIQUE,
  token          text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_case_seq_idx ON ${s}.events (case_id, seq);
CREATE INDEX events_submission_name_idx ON ${s}.events (submission_id, event_name);

-- no foreign key to submissions: the evidence must outlive any clean-up of journal rows
CREATE TABLE ${s}.audit (
  seq            bigserial PRIMARY KEY,
  at             timestamptz NOT NULL,
  submission_id  text,
  actor          text NOT NULL,
  stage          text NOT NULL,
  from_state     text,
  to_state       text,
  input_hash     text,
  output_hash    text,
  details        jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash      text NOT NULL,
  hash           text NOT NULL UNIQUE
);
CREATE INDEX audit_submission_idx ON ${s}.audit (submission_id, seq);

CREATE FUNCTION ${s}.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit is append-only (% rejected)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$fn$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON ${s}.audit
  FOR EACH ROW EXECUTE FUNCTION ${s}.audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON ${s}.audit
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.audit_append_only();
`,
} as const;
