import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ENV_OVERRIDES, WeicheConfig } from '@weiche/config';
import { HUB_NODE_FLAGS } from '@weiche/hub/node-flags';
import { bullPrefix, deliverQueueName, PROCESS_QUEUE } from '@weiche/queue';
import { REPO_ROOT } from '../support/env.js';

// deploy/kubernetes is what a Rechenzentrum applies: each object is validated against the Kubernetes
// JSON schemas (kubernetes-models, Kubernetes 1.27), KEDA objects against KEDA's CRD schemas, the
// CloudNativePG objects for the fields the operator requires; then the manifests are checked against
// the hub itself: config, probes, shutdown deadline, queue names for autoscaling.
const DIR = join(REPO_ROOT, 'deploy', 'kubernetes');
type Doc = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const docs: Array<Doc & { file: string }> = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
    expect(d.errors, file).toEqual([]);
    return { ...(d.toJS() as Doc), file };
  }),
);
const byKind = (kind: string): Array<Doc & { file: string }> => docs.filter((d) => d.kind === kind);

const VALIDATORS: Record<string, (doc: Doc) => void> = {
  'v1/Namespace': (d) => new Namespace(d as never).validate(),
  'v1/ConfigMap': (d) => new ConfigMap(d as never).validate(),
  'v1/Secret': (d) => new Secret(d as never).validate(),
  'v1/Service': (d) => new Service(d as never).validate(),
  'v1/PersistentVolumeClaim': (d) => new PersistentVolumeClaim(d as never).validate(),
  'apps/v1/Deployment': (d) => new Deployment(d as never).validate(),
  'policy/v1/PodDisruptionBudget': (d) => new PodDisruptionBudget(d as never).validate(),
  'keda.sh/v1alpha1/ScaledObject': (d) => new ScaledObject(d as never).validate(),
  'keda.sh/v1alpha1/TriggerAuthentication': (d) => new TriggerAuthentication(d as never).validate(),
  // CloudNativePG publishes no npm models: the fields its CRD requires and the ones the hub relies on
  'postgresql.cnpg.io/v1/Cluster': (d) => {
    const spec = d.spec as { instances?: number; storage?: { size?: string } };
    if (!(Number.isInteger(spec.instances) && (spec.instances ?? 0) >= 1)) throw new Error('Cluster.spec.instances must be ≥ 1');
    if (!spec.storage?.size) throw new Error('Cluster.spec.storage.size is required');
  },
  'postgresql.cnpg.io/v1/Pooler': (d) => {
    const spec = d.spec as { cluster?: { name?: string }; pgbouncer?: { poolMode?: string }; type?: string };
    if (!spec.cluster?.name || !spec.pgbouncer) throw new Error('Pooler.spec.cluster.name and spec.pgbouncer are required');
    if (spec.pgbouncer.poolMode !== 'transaction') throw new Error('the hub is made for poolMode transaction');
    if (spec.type !== 'rw') throw new Error('the hub writes: Pooler type rw');
  },
};

interface Container {
  name: string;
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  ports?: Array<{ name: string; containerPort: number }>;
  readinessProbe?: { httpGet?: { path: string; port: string } };
  livenessProbe?: { httpGet?: { path: string; port: string } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string }; persistentVolumeClaim?: { claimName: string } }>;
}
const podOf = (d: Doc): { labels: Record<string, string>; annotations: Record<string, string>; spec: PodSpec } => {
  const template = (d.spec as { template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec } }).template;
  return { labels: template.metadata.labels, annotations: template.metadata.annotations ?? {}, spec: template.spec };
};
const envOf = (c: Container): Map<string, string | undefined> => new Map((c.env ?? []).map((e) => [e.name, e.value]));
const hubConfig = WeicheConfig.parse(parse(String((byKind('ConfigMap')[0]?.data as Record<string, string>)['weiche.yaml'])));

describe('deploy/kubernetes', () => {
  it('lists every manifest in kustomization.yaml, and nothing else', () => {
    const kustomization = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual([...files].sort());
  });

  it.each(docs.map((d) => [`${d.file}: ${d.kind} ${d.metadata.name}`, d] as const))('%s validates against its schema', (_name, doc) => {
    const validate = VALIDATORS[`${doc.apiVersion}/${doc.kind}`];
    expect(validate, `no validator for ${doc.apiVersion}/${doc.kind}`).toBeDefined();
    const { file: _file, ...object } = doc;
    expect(() => validate?.(object)).not.toThrow();
  });

  it('the schema check catches a broken object', () => {
    const deployment = structuredClone(byKind('Deployment')[0]!) as Doc;
    (podOf(deployment).spec.containers[0] as unknown as Record<string, unknown>).ports = 'http';
    expect(() => VALIDATORS['apps/v1/Deployment']!(deployment)).toThrow();
  });

  it('has a valid hub config in the ConfigMap, overridden only by env variables the hub reads', () => {
    expect(hubConfig.adapters.length).toBeGreaterThan(0);
    const known = new Set([...Object.keys(ENV_OVERRIDES), 'WEICHE_CRYPTO_THREADS', 'WEICHE_SCHEMA_CACHE', 'WEICHE_SCHEMA_MIRROR', 'NODE_ENV', 'LOG_LEVEL']);
    for (const d of byKind('Deployment')) {
      const { spec } = podOf(d);
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) for (const name of envOf(c).keys()) expect(known, `${d.metadata.name}: ${name}`).toContain(name);
    }
  });

  it.each(['gateway', 'processor', 'dispatcher'])('runs role %s non-root, read-only, probed, and stops within its grace period', (role) => {
    const deployment = byKind('Deployment').find((d) => d.metadata.name === `weiche-${role}`);
    expect(deployment).toBeDefined();
    const { labels, spec } = podOf(deployment!);
    const hub = spec.containers.find((c) => c.name === 'hub')!;
    expect(hub.args?.slice(hub.args.indexOf('--role'), hub.args.indexOf('--role') + 2)).toEqual(['--role', role]);
    // `args` replaces the image's CMD: the hub's Node flags must be repeated here
    expect(hub.args?.slice(0, 2 + HUB_NODE_FLAGS.length)).toEqual(['node', ...HUB_NODE_FLAGS, 'services/hub/dist/main.js']);
    expect(spec.securityContext?.runAsNonRoot).toBe(true);
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
      expect(c.securityContext?.readOnlyRootFilesystem, c.name).toBe(true);
      expect(c.securityContext?.allowPrivilegeEscalation, c.name).toBe(false);
    }
    expect(hub.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(hub.livenessProbe?.httpGet?.path).toBe('/healthz');
    // the probes' port is the one the process listens on: server.port for the gateway, WEICHE_HEALTH_PORT for workers
    const env = envOf(hub);
    const probePort = hub.ports?.find((p) => p.name === hub.readinessProbe?.httpGet?.port)?.containerPort;
    expect(probePort).toBe(role === 'gateway' ? hubConfig.server.port : Number(env.get('WEICHE_HEALTH_PORT')));
    // Prometheus scrapes every role where it serves /metrics: the probed port (workers: the health listener)
    const { annotations } = podOf(deployment!);
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(annotations['prometheus.io/path']).toBe('/metrics');
    expect(Number(annotations['prometheus.io/port'])).toBe(probePort);
    const shutdownS = Number(env.get('WEICHE_SHUTDOWN_TIMEOUT_MS') ?? hubConfig.server.shutdownTimeoutMs) / 1000;
    expect(spec.terminationGracePeriodSeconds ?? 30).toBeGreaterThan(shutdownS + (role === 'gateway' ? 5 : 0));
    // every volume it mounts exists
    const names = new Set([...byKind('ConfigMap'), ...byKind('Secret'), ...byKind('PersistentVolumeClaim')].map((d) => d.metadata.name));
    for (const v of spec.volumes ?? []) {
      const ref = v.configMap?.name ?? v.secret?.secretName ?? v.persistentVolumeClaim?.claimName;
      if (ref) expect(names, v.name).toContain(ref);
    }
    // and a PodDisruptionBudget selects its pods
    const pdbs = byKind('PodDisruptionBudget').filter((p) => Object.entries((p.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels).every(([k, v]) => labels[k] === v));
    expect(pdbs).toHaveLength(1);
  });

  it('autoscales processors and dispatchers on the BullMQ wait lists the hub really uses', () => {
    const scaled = byKind('ScaledObject') as unknown as Array<Doc & { spec: { scaleTargetRef: { name: string }; triggers: Array<{ type: string; metadata: { listName: string } }> } }>;
    const deployments = new Set(byKind('Deployment').map((d) => d.metadata.name));
    for (const s of scaled) expect(deployments).toContain(s.spec.scaleTargetRef.name);
    const lists = (name: string): string[] => scaled.find((s) => s.metadata.name === name)?.spec.triggers.map((t) => t.metadata.listName) ?? [];
    const prefix = bullPrefix(hubConfig.redis.prefix);
    expect(lists('weiche-processor')).toEqual([`${prefix}:${PROCESS_QUEUE}:wait`]);
    expect(lists('weiche-dispatcher').sort()).toEqual(hubConfig.adapters.map((a) => `${prefix}:${deliverQueueName(a.id)}:wait`).sort());
  });
});
