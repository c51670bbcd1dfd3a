import type { z } from 'zod';

/** The zod parts of an admin route schema (fastify-type-provider-zod validates and types with them). */
interface AdminRouteParts {
  summary: string;
  description?: string;
  tags: string[];
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
  response?: Record<number, z.ZodType>;
}

/**
 * An admin route schema: the zod parts as given (so the handler's types follow from them) plus what every
 * admin route has in the OpenAPI document, the bearer token requirement.
 */
export function routeSchema<const T extends AdminRouteParts>(parts: T): T & { security: Array<Record<string, string[]>> } {
  return { ...parts, security: [{ bearer: [] }] };
}
