import { z } from 'zod';
import type { Secret } from '@weiche/core';
import { DelegationList } from './delegation.js';
import { DurationSeconds, FitConnectUpstreams } from './upstream-fit-connect-schema.js';
import { ORPHAN_BLOB_SWEEP_DEFAULT, OrphanBlobSweep } from './orphan-blobs-schema.js';
import { RETENTION_SCHEDULE_DEFAULT, RetentionSchedule, TenantRetention } from './retention-schema.js';
import { XtaConfig } from './xta-schema.js';
import { XtaUpstreamConfig } from './upstream-xta-schema.js';
import { Id, SecretValue } from './primitives.js';
import { CallbackTarget } from './callback-target.js';

/** FIT-Connect rejects a submission not picked up 14 days after it arrived. */
const RELAY_RETENTION_DEFAULT_MS = 14 * 86_400_000;

export { SecretValue } from './primitives.js';

/** An admin API token must not be guessable: inline ones are checked here, `{ file }` ones when the file is read. */
export const ADMIN_TOKEN_MIN_LENGTH = 32;
const AdminTokenValue = z
  .union([z.string().min(ADMIN_TOKEN_MIN_LENGTH, `use at least ${ADMIN_TOKEN_MIN_LENGTH} characters (e.g. openssl rand -hex 32)`), z.strictObject({ file: z.string().min(1) })])
  .describe('inline value or { file: path }');

export const ServiceConfig = z.strictObject({
  /** LeiKa URN or another service URN, e.g. urn:de:fim:leika:leistung:99010003001006. */
  identifier: z.string().regex(/^urn:[a-z0-9][a-z0-9-]{0,31}:[a-z0-9()+,.:=@;$_!*'%/?#-]+$/i),
  name: z.string().min(1),
  /** FIT-Connect regions as ARS with prefix, e.g. DE05974028. */
  regions: z.array(z.string().regex(/^DE[0-9]{0,12}$/, 'an ARS with the prefix DE, e.g. DE059740028028 (OpenAPI ServiceRegion)')).default([]),
  submissionSchemas: z
    .array(z.strictObject({ schemaUri: z.string().min(1), mimeType: z.enum(['application/json', 'application/xml']) }))
    .default([]),
});

/** Where the tenant's DMS files the applications of one service (xdomea 0401/0605). */
export const FilingConfig = z.strictObject({
  /** Service URN, or "*" for every service without an entry of its own. */
  service: z.string().min(1),
  /** AllgemeineMetadaten/Aktenplaneinheit/Kennzeichen: the file plan unit, e.g. "63.01.02". */
  aktenplaneinheit: z.string().min(1).max(200).optional(),
  /** Vorgang/Typ the DMS expects, e.g. "Bauantrag". */
  vorgangstyp: z.string().min(1).max(200).optional(),
});

export const TenantConfig = z.strictObject({
  id: Id,
  name: z.string().min(1),
  /** Amtlicher Gemeindeschlüssel (8 digits). */
  ags: z.string().regex(/^\d{8}$/).optional(),
  /** Behördenkennung as praefix:kennung, e.g. ags:05974028. */
  behoerdenkennung: z.string().regex(/^[a-z]+:.+$/),
  organisationseinheit: z.string().optional(),
  /** Filing metadata per service for the DMS (optional; without it the DMS files by its own rules). */
  filing: z.array(FilingConfig).default([]),
  /** Retention of outputs and received ciphertext (docs/adr/0006-data-lifecycle.md); absent: kept. */
  retention: TenantRetention.optional(),
});

/** A FIT-Connect destinationId: a UUID, kept in lower case, as the API reads ids in any capitals (RFC 9562). */
const DestinationId = z.uuid().transform((id) => id.toLowerCase());

export const DestinationConfig = z.strictObject({
  /** The FIT-Connect destinationId (UUID). */
  id: DestinationId,
  tenant: Id,
  kind: z.literal('fit-connect').default('fit-connect'),
  /** PEM files of the encryption key pair; generated on first start when `generate` is true. Absent for a relay destination. */
  keys: z.strictObject({
    privateKeyFile: z.string().min(1),
    certificateFile: z.string().min(1),
    generate: z.boolean().default(false),
    /**
     * Key rotation (docs/key-rotation.md): further key pairs that still open submissions (chosen by the JWE's
     * kid) but are not published — the new key before it becomes current, the old one after.
     */
    decryptOnly: z.array(z.object({ privateKeyFile: z.string().min(1), certificateFile: z.string().min(1) })).default([]),
  }).optional(),
  /**
   * A relay destination (docs/relay-destinations.md): the hub does not hold its private key; a subscriber picks its
   * submissions up and answers them. `encryptionKeyFile`: the subscriber's public encryption JWK (RSA-OAEP-256, with
   * kid) served to senders; `signatureKeysFile`: the JWKS the subscriber signs its SETs with (PS512).
   */
  relay: z.strictObject({ encryptionKeyFile: z.string().min(1), signatureKeysFile: z.string().min(1) }).optional(),
  services: z.array(ServiceConfig).min(1),
}).refine((d) => (d.keys === undefined) !== (d.relay === undefined), { message: 'a destination has either keys (the hub decrypts) or relay (a subscriber picks up), not both' });

export const SenderClientConfig = z.strictObject({
  clientId: z.string().min(3),
  clientSecret: SecretValue,
  name: z.string().min(1),
  /**
   * Behördenkennung of the sending portal as registered (e.g. in the DVDV), praefix:kennung: the xdomea
   * Absender and the XBau autor. Optional for xdomea routes (the Absender then has none); required when
   * a route of the portal's tenants produces XBau, whose receiver routes replies to the autor.
   */
  behoerdenkennung: z.string().regex(/^[a-z]+:.+$/).optional(),
  /** destinationIds this client may send to. */
  destinations: z.array(DestinationId).min(1),
  /**
   * Callback targets allowed although not globally routable (docs/callbacks.md): https origins or CIDR ranges.
   * Without an entry, callbacks to loopback, private, link-local and other internal addresses are refused.
   */
  callbackTargets: z.array(CallbackTarget).default([]),
});

/** A subscriber (e.g. the receiving authority's own system, or another Weiche hub) that picks up relay destinations' submissions. */
export const SubscriberClientConfig = z.strictObject({
  clientId: z.string().min(3),
  clientSecret: SecretValue,
  name: z.string().min(1),
  /** Relay destinations whose submissions this client picks up and answers. */
  destinations: z.array(DestinationId).min(1),
});

export const RetryPolicy = z.strictObject({
  attempts: z.number().int().min(1).max(100).default(8),
  /** First backoff; each retry doubles it, with ±50 % jitter, capped at maxBackoffMs. */
  backoffMs: z.number().int().min(10).default(2000),
  maxBackoffMs: z.number().int().min(10).default(300_000),
  /** A delivery still failing this long after it was queued goes to the dead letters, attempts left or not. */
  maxAgeMs: z.number().int().min(1000).default(24 * 3600 * 1000),
});

export const CircuitPolicy = z.strictObject({
  /** Consecutive transient failures that open the circuit (no deliveries are tried while open). */
  failureThreshold: z.number().int().min(1).default(5),
  /** How long the circuit stays open before one probe delivery may try (half-open). */
  cooldownMs: z.number().int().min(100).default(30_000),
});

export const RateLimit = z.strictObject({
  /** At most `max` deliveries per `durationMs` for this adapter instance, across all dispatchers. */
  max: z.number().int().min(1),
  durationMs: z.number().int().min(10),
});

export const HealthCheckPolicy = z.strictObject({
  /** How often a dispatcher calls the instance's health() (one dispatcher per interval across replicas). */
  intervalMs: z.number().int().min(1000).default(30_000),
  /** A health() that has not answered after this long counts as failed. */
  timeoutMs: z.number().int().min(100).default(10_000),
});

export const AdapterInstanceConfig = z.strictObject({
  id: Id,
  kind: z.string().min(1),
  /** Validated later against the adapter kind's own config schema. */
  config: z.record(z.string(), z.unknown()).default({}),
  concurrency: z.number().int().min(1).max(64).default(2),
  timeoutMs: z.number().int().min(100).default(60_000),
  retry: RetryPolicy.default({ attempts: 8, backoffMs: 2000, maxBackoffMs: 300_000, maxAgeMs: 24 * 3600 * 1000 }),
  circuit: CircuitPolicy.default({ failureThreshold: 5, cooldownMs: 30_000 }),
  rateLimit: RateLimit.optional(),
  health: HealthCheckPolicy.default({ intervalMs: 30_000, timeoutMs: 10_000 }),
});

export const RouteConfig = z.strictObject({
  id: Id,
  tenant: Id,
  /** Service identifier (URN) this route serves, or "*" for every service of the tenant. */
  service: z.string().min(1),
  /** Target profile of the mapping, e.g. xdomea-3.1.0:0401. */
  target: z.string().regex(/^[a-z0-9.-]+:[A-Za-z0-9.]+$/),
  /** Pin a mapping module (id, optionally id@version); else the registry picks by schema and target. */
  mapping: z.string().optional(),
  adapter: Id,
});

export const AdminRole = z.enum(['operator', 'tenant-admin', 'auditor']);

/** A static API token of the admin API (bearer); `tenants` scopes a tenant-admin (and optionally an auditor). */
export const AdminTokenConfig = z
  .strictObject({
    token: AdminTokenValue,
    /** Who acts: recorded as the actor of every audited action. */
    subject: z.string().min(1),
    role: AdminRole,
    tenants: z.array(Id).default([]),
  })
  .refine((t) => t.role !== 'tenant-admin' || t.tenants.length > 0, { message: 'a tenant-admin token needs tenants', path: ['tenants'] });

/** OIDC-compatible JWT validation (e.g. Keycloak): keys from jwksUrl or a static JWKS file. */
export const AdminOidcConfig = z
  .strictObject({
    issuer: z.string().min(1),
    audience: z.string().min(1),
    jwksUrl: z.url().optional(),
    jwksFile: z.string().min(1).optional(),
    /** Claim holding the role (string or array; dotted path, e.g. realm_access.roles for Keycloak). */
    roleClaim: z.string().min(1).default('roles'),
    /** Claim holding the tenant ids of a tenant-admin (string or array; dotted path). */
    tenantsClaim: z.string().min(1).default('tenants'),
    subjectClaim: z.string().min(1).default('sub'),
    /**
     * Public client id of the web console (authorization code flow with PKCE, no secret); without it
     * the console offers token paste only. Register `<publicBaseUrl>/admin/` as its redirect URI.
     */
    clientId: z.string().min(1).optional(),
    /** Scopes the console asks for; the access token it gets must carry `audience` and the role claim. */
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope token (RFC 6749 §3.3)')).min(1).default(['openid', 'profile']),
  })
  .refine((o) => (o.jwksUrl === undefined) !== (o.jwksFile === undefined), { message: 'give exactly one of jwksUrl or jwksFile' })
  .refine((o) => o.clientId === undefined || o.scopes.includes('openid'), { message: 'the console sign-in (clientId) needs the openid scope', path: ['scopes'] })
  .refine((o) => o.clientId === undefined || URL.canParse(o.issuer), { message: 'the console sign-in (clientId) needs the issuer as a URL', path: ['issuer'] });

export const AdminConfig = z.strictObject({
  tokens: z.array(AdminTokenConfig).default([]),
  oidc: AdminOidcConfig.optional(),
  /** When set, GET /metrics needs this bearer token; otherwise Prometheus scrapes without one. */
  metricsToken: SecretValue.optional(),
});

/** The audit chain's evidence key and checkpoints (docs/adr/0005-audit-chain.md). */
export const AuditConfig = z.strictObject({
  /**
   * PKCS#8 PEM of the current evidence key (EC P-256), which MACs every audit record and signs the checkpoints.
   * Default: the key named by <dataDir>/keys/evidence/current, created on first start.
   */
  evidenceKeyFile: z.string().min(1).optional(),
  /** Earlier evidence keys (private PEM), kept so the records and checkpoints they made still verify after a rotation. */
  retiredEvidenceKeyFiles: z.array(z.string().min(1)).default([]),
  /** Interval of signed checkpoints; records newer than the last checkpoint can be deleted undetected (ADR 0005). */
  checkpointIntervalMs: z.number().int().min(1000).max(24 * 3600 * 1000).default(60_000),
});

/** A DMS that posts its answers (xdomea 0402/0403) to the hub; `tenants` limits which submissions it may confirm. */
export const DmsClientConfig = z.strictObject({
  id: Id,
  /** Bearer token of `POST /dms/v1/confirmations`. */
  token: SecretValue,
  tenants: z.array(Id).min(1),
});

/** FIT-Connect callbacks to senders (CreateSubmission.callback): retried with backoff, given up by age. */
export const CallbackConfig = z.object({
  /** One POST may take this long (connect, TLS, answer). */
  timeoutMs: z.number().int().min(100).default(10_000),
  backoffMs: z.number().int().min(10).default(2000),
  maxBackoffMs: z.number().int().min(10).default(300_000),
  /** A callback not delivered this long after its event is given up, with the reason for operators (admin API, audit). */
  maxAgeMs: z.number().int().min(1000).default(3 * 24 * 3600 * 1000),
  concurrency: z.number().int().min(1).max(64).default(4),
});

/** Expiry warnings of keys and certificates (metric weiche_key_expiry_seconds, admin API, console). */
export const KeyExpiryConfig = z.object({
  /** Certificates that expire within this many days are shown as a warning. */
  warnDays: z.number().int().min(1).max(365).default(30),
  /**
   * Further certificates to watch that the hub does not load itself: the TLS certificate its ingress or
   * proxy serves, XTA authors' client certificates (PEM files).
   */
  certificates: z.array(z.object({ kind: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), id: z.string().min(1).max(200), file: z.string().min(1) })).default([]),
});

const HostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'host:port');

/** FIT-Connect's maxima taken as MiB/GiB, so they hold whichever unit a sender means. */
const LIMIT_DEFAULTS = {
  metadataBytes: 512 * 1024,
  dataBytes: 16 * 1024 * 1024,
  attachmentBytes: 500 * 1024 * 1024,
  submissionBytes: 2 * 1024 * 1024 * 1024,
};

/** The most metadata and data can be: both as JWEs in one JSON body stay well below V8's longest string (~512 Mi characters). */
const LIMIT_MAXIMA = { metadataBytes: 64 * 1024 * 1024, dataBytes: 256 * 1024 * 1024 };

export const WeicheConfig = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Base URL senders use; used as token issuer and in demo.json. Default http://localhost:<port>. */
      publicBaseUrl: z.url().optional(),
      /** Port of /healthz and /readyz for processes whose roles serve no HTTP (processor, dispatcher); off when unset. */
      healthPort: z.number().int().min(0).max(65535).optional(),
      /** On SIGTERM, workers finish their jobs for at most this long, then the process exits (keep below the orchestrator's grace period). */
      shutdownTimeoutMs: z.number().int().min(1000).default(25_000),
    })
    .default({ host: '0.0.0.0', port: 8080, shutdownTimeoutMs: 25_000 }),
  redis: z
    .strictObject({
      /** redis://[:password@]host:port/db, rediss://…, or a Unix socket: unix:///path/redis.sock?db=&password= (redis-socket.ts). */
      url: z.string().default('redis://127.0.0.1:6379'),
      /** Hash tag of every key of this hub (`{weiche}:…`): all of them share one Redis Cluster slot. */
      prefix: z.string().regex(/^[a-zA-Z0-9_-]+$/).default('weiche'),
      /** Redis Sentinel: master group name and sentinels as host:port (the url still gives password and db). */
      sentinel: z.strictObject({ name: z.string().min(1), nodes: z.array(HostPort).min(1) }).optional(),
      /** Redis Cluster: seed nodes as host:port (the url still gives the password). */
      cluster: z.strictObject({ nodes: z.array(HostPort).min(1) }).optional(),
    })
    .refine((r) => !(r.sentinel && r.cluster), { message: 'give sentinel or cluster, not both' })
    .default({ url: 'redis://127.0.0.1:6379', prefix: 'weiche' }),
  database: z
    .strictObject({ url: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'), schema: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('weiche') })
    .default({ url: 'postgres://postgres@127.0.0.1:5432/postgres', schema: 'weiche' }),
  /** Blob store, keys, outbox of the demo: everything the hub keeps on disk. */
  dataDir: z.string().default('.weiche'),
  /** Master key (32 bytes, base64) wrapping the per-tenant data keys; generated into dataDir when absent. */
  masterKey: SecretValue.optional(),
  /** During a master key rotation (docs/key-rotation.md): the other master key that still opens tenant key files. */
  previousMasterKey: SecretValue.optional(),
  /**
   * Size limits in plaintext bytes (what the citizen uploaded), not in JWE bytes: the gateway derives the
   * JWE limits (base64url 4/3 plus the fixed segments). Defaults accept FIT-Connect's maxima: 500 MB
   * per attachment, 2 GB per submission (metadata + data + attachments).
   */
  limits: z
    .strictObject({
      // metadata and data arrive as JWE strings in one JSON body (submit-submission, an upstream's get-submission),
      // 4/3 of these sizes: above the maxima their body passes V8's longest string (2^29 - 24 characters) and could
      // never be read — an upstream's submission would be downloaded again every poll, never refused
      metadataBytes: z.number().int().positive().max(LIMIT_MAXIMA.metadataBytes).default(LIMIT_DEFAULTS.metadataBytes),
      dataBytes: z.number().int().positive().max(LIMIT_MAXIMA.dataBytes).default(LIMIT_DEFAULTS.dataBytes),
      attachmentBytes: z.number().int().positive().default(LIMIT_DEFAULTS.attachmentBytes),
      submissionBytes: z.number().int().positive().default(LIMIT_DEFAULTS.submissionBytes),
    })
    .default(LIMIT_DEFAULTS),
  tokens: z.strictObject({ ttlSeconds: z.number().int().min(10).max(86_400).default(900) }).default({ ttlSeconds: 900 }),
  processing: z
    .strictObject({
      concurrency: z.number().int().min(1).max(64).default(4),
      /** BullMQ lock; a job whose worker died is picked up again after about this long. */
      lockDurationMs: z.number().int().min(1000).default(30_000),
      reconcileIntervalMs: z.number().int().min(500).default(30_000),
      /** A non-terminal submission untouched this long counts as stuck for the reconciler. */
      reconcileAfterMs: z.number().int().min(0).default(60_000),
      /** Worker threads for RSA private-key operations (0 = on the event loop); default one per core, env WEICHE_CRYPTO_THREADS. */
      cryptoThreads: z.number().int().min(0).max(64).optional(),
      /**
       * Grace period for crash leftovers: a submission still CREATED (never submitted) and an adapter's
       * half-written temp file (.part) older than this are cleaned up and audited (default 24 h).
       */
      leftoverGraceMs: z.number().int().min(1000).default(86_400_000),
      /**
       * A relay destination's submission its subscriber has not answered this long after it was submitted is REJECTED
       * as undeliverable (reject-submission to the sender), its content (metadata, data, attachments) deleted. Default
       * 14 days, as FIT-Connect's delivery service does (docs.fitko.de "Benachrichtigungen und Löschfristen").
       */
      relayRetentionMs: z.number().int().min(1000).default(RELAY_RETENTION_DEFAULT_MS),
    })
    .default({ concurrency: 4, lockDurationMs: 30_000, reconcileIntervalMs: 30_000, reconcileAfterMs: 60_000, leftoverGraceMs: 86_400_000, relayRetentionMs: RELAY_RETENTION_DEFAULT_MS }),
  tenants: z.array(TenantConfig).min(1),
  destinations: z.array(DestinationConfig).default([]),
  senderClients: z.array(SenderClientConfig).default([]),
  subscriberClients: z.array(SubscriberClientConfig).default([]),
  adapters: z.array(AdapterInstanceConfig).default([]),
  routes: z.array(RouteConfig).default([]),
  /**
   * Back offices (docs/delegation.md). When the key is present, the file is the source: the hub applies it to
   * the journal at start and on SIGHUP; without it, delegations are managed through the admin API only.
   */
  delegations: DelegationList.optional(),
  /** Operator admin API: bearer tokens (static and OIDC) and the metrics token. */
  admin: AdminConfig.default({ tokens: [] }),
  xta: XtaConfig.optional(),
  audit: AuditConfig.default({ retiredEvidenceKeyFiles: [], checkpointIntervalMs: 60_000 }),
  /** DMS answers over HTTP (the dms-folder adapter's inboxPath needs no client here). */
  dms: z.strictObject({ clients: z.array(DmsClientConfig).default([]) }).default({ clients: [] }),
  /**
   * Upstreams the hub picks submissions up from (issue 10): `fitConnect` = FIT-Connect Zustelldienste, the hub as
   * subscriber; `xta` = XTA 2 message boxes of intermediaries, the hub as XTA client.
   */
  upstreams: z.strictObject({ fitConnect: FitConnectUpstreams, xta: z.array(XtaUpstreamConfig).default([]) }).default({ fitConnect: [], xta: [] }),
  /** An upstream submission not yet accepted after this long is overdue (metric, console warning); FIT-Connect auto-rejects after 14 days. */
  upstreamOverdueAfter: DurationSeconds.default(2 * 86_400),
  keyExpiry: KeyExpiryConfig.default({ warnDays: 30, certificates: [] }),
  callbacks: CallbackConfig.default({ timeoutMs: 10_000, backoffMs: 2000, maxBackoffMs: 300_000, maxAgeMs: 3 * 24 * 3600 * 1000, concurrency: 4 }),
  retention: RetentionSchedule.default(RETENTION_SCHEDULE_DEFAULT),
  orphanBlobs: OrphanBlobSweep.default(ORPHAN_BLOB_SWEEP_DEFAULT),
});
export type WeicheConfigInput = z.input<typeof WeicheConfig>;
export type WeicheConfigParsed = z.output<typeof WeicheConfig>;

/** The validated configuration with every secret wrapped. */
export type WeicheConfig = Omit<WeicheConfigParsed, 'senderClients' | 'subscriberClients' | 'masterKey' | 'previousMasterKey' | 'upstreams'> & {
  senderClients: Array<Omit<WeicheConfigParsed['senderClients'][number], 'clientSecret'> & { clientSecret: Secret }>;
  subscriberClients: Array<Omit<WeicheConfigParsed['subscriberClients'][number], 'clientSecret'> & { clientSecret: Secret }>;
  masterKey: Secret | undefined;
  previousMasterKey?: Secret | undefined;
  upstreams: Omit<WeicheConfigParsed['upstreams'], 'fitConnect'> & { fitConnect: FitConnectUpstream[] };
};
/** A FIT-Connect upstream with its secrets read. */
export type FitConnectUpstream = Omit<WeicheConfigParsed['upstreams']['fitConnect'][number], 'clientSecret' | 'callbackSecret'> & { clientSecret: Secret; callbackSecret?: Secret };
