import { z } from 'zod';

// Property names the input schema declares, per schema: only these may appear in a reason. A key the data brings
// itself (an unrecognised property, a z.record key) can be personal data ("Erika Mustermann": {...}).
const knownNames = new WeakMap<z.ZodType, ReadonlySet<string>>();

function declaredNames(schema: z.ZodType): ReadonlySet<string> {
  const cached = knownNames.get(schema);
  if (cached) return cached;
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' && typeof value === 'object' && value !== null) for (const name of Object.keys(value)) names.add(name);
      walk(value);
    }
  };
  try {
    walk(z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }));
  } catch {
    // a schema JSON Schema cannot express (e.g. a cycle it refuses): no name is known, every key is masked
  }
  knownNames.set(schema, names);
  return names;
}

/**
 * Names the failing field paths and what is wrong, never the values nor keys the data brought (they may be personal
 * data): a key the schema does not declare shows as `*`, unrecognised properties as their count under their parent.
 */
export function describeIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): string {
  const known = declaredNames(schema);
  const pathOf = (path: readonly PropertyKey[]): string =>
    path.length > 0 ? path.map((p) => (typeof p === 'number' || known.has(String(p)) ? String(p) : '*')).join('.') : '(root)';
  return issues
    .slice(0, 10)
    .map((i) => `${pathOf(i.path)}: ${i.code === 'unrecognized_keys' ? `unrecognised properties (${i.keys.length})` : i.message}`)
    .join('; ');
}
