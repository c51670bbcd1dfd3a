import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';

/**
 * Route schemas are written once in zod: z.toJSONSchema() turns them into the OpenAPI document
 * (@fastify/swagger reads route schemas), and the validator compiler below validates with the very
 * zod schema the JSON schema came from, so documentation and validation cannot drift apart.
 */
const sources = new WeakMap<object, z.ZodType>();

/** JSON Schema (OpenAPI 3.0 dialect) of a zod schema, remembered for validation. */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  sources.set(json, schema);
  return json;
}

/** Builds a fastify route schema from zod parts (response schemas document; replies are not filtered by them). */
export function routeSchema(parts: {
  summary: string;
  description?: string;
  tags: string[];
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
  response?: Record<number, z.ZodType>;
}): FastifySchema {
  const schema: Record<string, unknown> = { summary: parts.summary, tags: parts.tags, security: [{ bearer: [] }] };
  if (parts.description !== undefined) schema.description = parts.description;
  if (parts.params) schema.params = jsonSchema(parts.params);
  if (parts.querystring) schema.querystring = jsonSchema(parts.querystring);
  if (parts.body) schema.body = jsonSchema(parts.body);
  if (parts.response) {
    schema.response = Object.fromEntries(
      Object.entries(parts.response).map(([status, s]) => [status, z.toJSONSchema(s, { target: 'openapi-3.0', io: 'output', unrepresentable: 'any' })]),
    );
    for (const r of Object.values(schema.response as Record<string, Record<string, unknown>>)) delete r.$schema;
  }
  return schema as FastifySchema;
}

/** Validates with the zod schemas behind the route schemas and serializes replies with plain JSON. */
export function useZodCompilers(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema }) => {
    const source = sources.get(schema);
    if (!source) throw new Error('route schema was not built with jsonSchema()');
    return (data: unknown) => {
      const parsed = source.safeParse(data);
      if (parsed.success) return { value: parsed.data };
      const issue = parsed.error.issues[0];
      const message = issue ? `${issue.path.join('.') || '(value)'}: ${issue.message}` : 'invalid request';
      return { error: new Error(message) };
    };
  });
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
