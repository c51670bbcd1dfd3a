import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SCHEMAS_DIR } from '@weiche/xoev';

/**
 * The form schemas the hub ships (`schemas/forms/*.json`) by their `$id`, which is the schema URI a sender
 * names for its data: the mapping modules take the fields' German titles from them for the rendered
 * application. Read once at start.
 */
export async function loadFormSchemas(dir: string = join(SCHEMAS_DIR, 'forms')): Promise<Map<string, Record<string, unknown>>> {
  const schemas = new Map<string, Record<string, unknown>>();
  for (const name of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    const schema = JSON.parse(await readFile(join(dir, name), 'utf8')) as Record<string, unknown>;
    if (typeof schema.$id === 'string') schemas.set(schema.$id, schema);
  }
  return schemas;
}
