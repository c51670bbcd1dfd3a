/**
 * What to do about an error that stopped the hub from starting, for the console (undefined: the message
 * says it all). Matched on what the drivers and the hub's own start-up say — not on a bare "connect",
 * which also matches paths such as `schemas/fit-connect/…`.
 */
export function startHint(message: string): string | undefined {
  if (/\bE(CONNREFUSED|CONNRESET|NOTFOUND|TIMEDOUT|HOSTUNREACH|AI_AGAIN)\b|is not usable|Connection is closed/.test(message)) {
    return 'Are PostgreSQL and Redis running? Start them, set DATABASE_URL / REDIS_URL, or use: deploy/make-secrets.sh && docker compose -f deploy/docker-compose.yml up --build';
  }
  if (/[\\/]schemas[\\/]/.test(message) && /ENOENT|not readable|missing/i.test(message)) {
    return 'The official schemas are not installed: run `node scripts/install-schemas.mjs` (npm start and npm test do it), or set WEICHE_SCHEMA_CACHE';
  }
  return undefined;
}
