// Turns form data (parsed JSON, or XML parsed with parseXml) into the rows a clerk reads: German labels
// from the form schema's `title` where it has one, else the field name made readable.

/** One printed line: a section heading (no value) or a label with its value. */
export interface FormRow {
  depth: number;
  label: string;
  value?: string;
}

type Schema = Record<string, unknown>;

const MAX_ROWS = 5000;
const MAX_VALUE = 5000;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// Follows a local `$ref` (`#/$defs/x`, `#/definitions/x`) within the root schema.
function deref(schema: Schema | undefined, root: Schema | undefined): Schema | undefined {
  let s = schema;
  for (let i = 0; i < 10 && s && typeof s.$ref === 'string' && s.$ref.startsWith('#/'); i++) {
    let target: unknown = root;
    for (const part of s.$ref.slice(2).split('/')) target = isObject(target) ? target[decodeURIComponent(part)] : undefined;
    s = isObject(target) ? target : undefined;
  }
  return s;
}

// The schema of property `key` in `schema`, looking into anyOf/oneOf/allOf branches (a union of applicant kinds).
function propertySchema(schema: Schema | undefined, key: string, root: Schema | undefined): Schema | undefined {
  const s = deref(schema, root);
  if (!s) return undefined;
  const props = s.properties;
  if (isObject(props) && isObject(props[key])) return deref(props[key], root);
  for (const combinator of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = s[combinator];
    if (!Array.isArray(branches)) continue;
    for (const b of branches) {
      const found = propertySchema(isObject(b) ? b : undefined, key, root);
      if (found) return found;
    }
  }
  return undefined;
}

function itemSchema(schema: Schema | undefined, root: Schema | undefined): Schema | undefined {
  const s = deref(schema, root);
  return isObject(s?.items) ? deref(s.items, root) : undefined;
}

/** A field name without a schema title, made readable: `bezeichnungDesBauvorhabens` → `Bezeichnung Des Bauvorhabens`; prefixes dropped. */
export function readableName(key: string): string {
  const bare = key.slice(key.indexOf(':') + 1).replace(/[._-]+/g, ' ');
  const words = bare.replace(/([a-zäöüß0-9])([A-ZÄÖÜ])/g, '$1 $2').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function formatValue(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'ja' : 'nein';
  const text = String(value);
  // ISO dates as a German reader writes them.
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const shown = date ? `${date[3]}.${date[2]}.${date[1]}` : text;
  return shown.length > MAX_VALUE ? `${shown.slice(0, MAX_VALUE)} … (gekürzt; vollständig in den strukturierten Antragsdaten)` : shown;
}

/** Flattens data into labelled rows, depth-first, in the data's own order; at most 5,000 rows (the JSON beside the PDF holds everything). */
export function formRows(data: unknown, formSchema?: Record<string, unknown>): FormRow[] {
  const rows: FormRow[] = [];
  const push = (row: FormRow): boolean => {
    if (rows.length >= MAX_ROWS) return false;
    rows.push(row);
    return true;
  };
  const visit = (value: unknown, label: string, schema: Schema | undefined, depth: number): void => {
    if (rows.length >= MAX_ROWS) return;
    if (Array.isArray(value)) {
      const items = itemSchema(schema, formSchema);
      if (value.length === 0) return;
      if (value.every((v) => !isObject(v) && !Array.isArray(v))) {
        push({ depth, label, value: value.map(formatValue).join(', ') });
        return;
      }
      value.forEach((v, i) => visit(v, `${label} ${i + 1}`, items, depth));
      return;
    }
    if (isObject(value)) {
      const entries = Object.entries(value).filter(([k]) => !k.startsWith('@_') && !k.startsWith('?') && k !== '#text');
      // XML text content of an element with attributes, code-list elements (<x><code>…</code></x>) and
      // XBau name wrappers (<familienname><name>…</name></familienname>): one value.
      if ('#text' in value && entries.length === 0) {
        push({ depth, label, value: formatValue(value['#text']) });
        return;
      }
      const only = entries.length === 1 ? entries[0] : undefined;
      if (only && ['code', 'name'].includes(only[0].slice(only[0].indexOf(':') + 1)) && !isObject(only[1]) && !Array.isArray(only[1])) {
        push({ depth, label, value: formatValue(only[1]) });
        return;
      }
      if (!push({ depth, label })) return;
      for (const [k, v] of entries) {
        const s = propertySchema(schema, k, formSchema);
        visit(v, typeof s?.title === 'string' ? s.title : readableName(k), s, depth + 1);
      }
      return;
    }
    if (value === null || value === undefined || value === '') return;
    push({ depth, label, value: formatValue(value) });
  };
  if (isObject(data)) {
    for (const [k, v] of Object.entries(data)) {
      if (k.startsWith('?') || k.startsWith('@_')) continue;
      const s = propertySchema(formSchema, k, formSchema);
      visit(v, typeof s?.title === 'string' ? s.title : readableName(k), s, 0);
    }
  } else if (data !== undefined) {
    visit(data, 'Antragsdaten', formSchema, 0);
  }
  return rows;
}
