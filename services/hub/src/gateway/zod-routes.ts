import type { FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';

/**
 * `first.path: message` of a failed validation; the problem handler sends it as the detail of a 400 problem.
 * A whole part that fails is named (`body`, `querystring`), and a body that was not sent at all is said so.
 */
function readableValidationError(errors: ReadonlyArray<{ instancePath?: string; message?: string }>, part: string): Error {
  const first = errors[0];
  if (!first) return new Error('invalid request');
  const path = (first.instancePath ?? '').split('/').filter(Boolean).join('.');
  if (!path && part === 'body' && /received (null|undefined)$/.test(first.message ?? '')) {
    return new Error('body: none was sent; this request takes a JSON object (content-type: application/json), see /docs');
  }
  return new Error(`${path || part}: ${first.message ?? 'invalid'}`);
}

/**
 * Route schemas are zod schemas (fastify-type-provider-zod): they type the handlers, validate params,
 * query and body, and @fastify/swagger documents them through the provider's `jsonSchemaTransform`.
 * Replies are serialized with plain JSON and NOT checked against the response schemas: those document
 * the answers, and the provider's serializer would turn a reply that differs in a detail (a Date where the
 * schema says string, an extra field) into a 500 after the work is done.
 */
export function zodRoutes(app: FastifyInstance) {
  app.setValidatorCompiler(validatorCompiler);
  app.setSchemaErrorFormatter((errors, part) => readableValidationError(errors, part));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  return app.withTypeProvider<ZodTypeProvider>();
}
