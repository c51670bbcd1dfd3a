import type { FastifyInstance } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import { ErrorCode } from '@weiche/core';
import { httpProblem } from '../gateway/problems.js';
import type { KeyExpiryWatch } from '../key-expiry.js';
import { assertMayAct, type Principal } from './principal.js';
import { routeSchema } from './route-schema.js';
import { zodRoutes } from '../gateway/zod-routes.js';

type Who = (request: unknown) => Principal;

const KeyExpiryReport = z.object({
  warnDays: z.number(),
  warnings: z.number().describe('keys expiring within warnDays (or expired) plus unreadable ones'),
  keys: z.array(z.object({ kind: z.string(), id: z.string(), notAfter: z.string(), secondsLeft: z.number(), warning: z.boolean() })),
  unreadable: z.array(z.object({ kind: z.string(), id: z.string(), error: z.string() })),
});

/**
 * GET /keys/expiry: when the hub's keys and certificates expire, soonest first, with a warning for those
 * within keyExpiry.warnDays. Keys are the hub's, not a tenant's: operators only (a tenant-admin or auditor is 403).
 */
export function keyExpiryRoutes(watch: KeyExpiryWatch, who: Who) {
  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.get(
      '/keys/expiry',
      { schema: routeSchema({ summary: 'Expiry of keys and certificates (destination, signing, XTA reader, watched TLS/author certificates)', tags: ['operations'], response: { 200: KeyExpiryReport } }) },
      async (request) => {
        const p = who(request);
        assertMayAct(p);
        if (p.tenants !== 'all' || p.role !== 'operator') throw httpProblem(403, ErrorCode.FORBIDDEN, 'the key overview is for operators');
        const report = await watch.report();
        return { ...report, warnings: report.keys.filter((k) => k.warning).length + report.unreadable.length };
      },
    );
  };
}

/**
 * weiche_key_expiry_seconds{kind,id}: seconds until each key's certificate expires (negative once expired);
 * weiche_key_unreadable{kind,id}: 1 for each one that cannot be read.
 */
export function registerKeyExpiryMetric(registry: Registry, watch: KeyExpiryWatch): void {
  new Gauge({
    name: 'weiche_key_expiry_seconds',
    help: 'Seconds until a key or certificate expires (negative: expired); alert below 30 days',
    labelNames: ['kind', 'id'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const key of (await watch.report()).keys) this.set({ kind: key.kind, id: key.id }, key.secondsLeft);
    },
  });
  // a certificate the hub cannot read has no expiry series at all, so no expiry alert could ever fire for it
  new Gauge({
    name: 'weiche_key_unreadable',
    help: 'Watched key or certificate the hub cannot read (1), per kind and id; its expiry is unknown',
    labelNames: ['kind', 'id'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const key of (await watch.report()).unreadable) this.set({ kind: key.kind, id: key.id }, 1);
    },
  });
}
