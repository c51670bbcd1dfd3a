import type { WeicheConfig } from '@weiche/config';
import { ErrorCode } from '@weiche/core';
import { httpProblem } from '../gateway/problems.js';

export type AdminRole = 'operator' | 'tenant-admin' | 'auditor';

/** Who calls the admin API: the subject is the actor of every audited action. */
export interface Principal {
  readonly subject: string;
  readonly role: AdminRole;
  /** 'all' for operators (and unscoped auditors); else the tenants this principal may see. */
  readonly tenants: 'all' | ReadonlySet<string>;
}

/** Tenant ids for journal queries: undefined means every tenant. */
export function tenantScope(principal: Principal): readonly string[] | undefined {
  return principal.tenants === 'all' ? undefined : [...principal.tenants];
}

/** True when the principal may see data of the tenant. */
export function seesTenant(principal: Principal, tenantId: string): boolean {
  return principal.tenants === 'all' || principal.tenants.has(tenantId);
}

/**
 * 404 for what lies outside the principal's tenants: a tenant-admin of A must not even learn
 * that B's submission, destination or route exists (issue 6).
 */
export function assertSeesTenant(principal: Principal, tenantId: string, what: string): void {
  if (!seesTenant(principal, tenantId)) throw httpProblem(404, ErrorCode.NOT_FOUND, `no such ${what}`);
}

/** A submission as far as visibility goes: its owner and, once routed, who processes it (issue 15). */
export interface SubmissionScope {
  readonly tenantId: string;
  readonly processingTenantId: string | null;
}

/** The owner sees its submissions (also those a back office processes); the back office sees what it processes. */
export function seesSubmission(principal: Principal, s: SubmissionScope): boolean {
  return seesTenant(principal, s.tenantId) || (s.processingTenantId !== null && seesTenant(principal, s.processingTenantId));
}

/** 404 for a submission the principal may not see (as for another tenant's). */
export function assertSeesSubmission(principal: Principal, s: SubmissionScope): void {
  if (!seesSubmission(principal, s)) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such submission');
}

/**
 * Actions (replay, redeliver, discard) on a submission are for whoever processes it: the back office of a
 * delegation operates what it processes, and the owner, who sees it, is 403 for it (docs/delegation.md).
 */
export function assertActsOn(principal: Principal, s: SubmissionScope): void {
  assertSeesSubmission(principal, s);
  const processing = s.processingTenantId ?? s.tenantId;
  if (!seesTenant(principal, processing)) {
    throw httpProblem(403, ErrorCode.FORBIDDEN, `this submission is processed by the back office ${processing}; its tenant-admin or an operator acts on it`);
  }
}

/** 403 for auditors: they read everything they see, and change nothing. */
export function assertMayAct(principal: Principal): void {
  if (principal.role === 'auditor') throw httpProblem(403, ErrorCode.FORBIDDEN, 'the auditor role is read-only');
}

/** Tenants whose routes deliver through the adapter instance. */
export function adapterTenants(config: WeicheConfig, adapterInstance: string): Set<string> {
  return new Set(config.routes.filter((r) => r.adapter === adapterInstance).map((r) => r.tenant));
}

/** A tenant-admin sees an adapter instance that serves at least one of its tenants. */
export function seesAdapter(principal: Principal, config: WeicheConfig, adapterInstance: string): boolean {
  if (principal.tenants === 'all') return true;
  const scope = principal.tenants;
  return [...adapterTenants(config, adapterInstance)].some((t) => scope.has(t));
}

/**
 * A tenant-admin controls (pause/resume) and sees the queue of an adapter instance only when every
 * tenant it serves is theirs: pausing a shared instance would stop other tenants' deliveries, and
 * its queue counts would include theirs.
 */
export function ownsAdapter(principal: Principal, config: WeicheConfig, adapterInstance: string): boolean {
  if (principal.tenants === 'all') return true;
  const tenants = adapterTenants(config, adapterInstance);
  const scope = principal.tenants;
  return tenants.size > 0 && [...tenants].every((t) => scope.has(t));
}
