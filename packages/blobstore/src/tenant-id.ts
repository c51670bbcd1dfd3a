import { ErrorCode, WeicheError } from '@weiche/core';

const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Rejects tenant ids that could escape the key directory (they become file names). */
export function assertTenantId(tenantId: string): void {
  if (!TENANT_ID.test(tenantId)) {
    throw new WeicheError(ErrorCode.BAD_REQUEST, 'invalid tenant id (expected /^[a-z0-9][a-z0-9-]{0,62}$/)', {
      status: 400,
    });
  }
}
