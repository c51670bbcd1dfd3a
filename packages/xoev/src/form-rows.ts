// Turns form data (parsed JSON, or XML parsed with parseXml) into the rows a clerk reads: German labels
// from the form schema's `title` where it has one, else the field name made readable.
//
// The rows are bounded as a whole, not only each value: pdfkit lays out ~0.5 million characters a second
// on the processor's event loop, and a data document within the 16 MiB limit held minutes of it (5,000 rows
// of 5,000 characters; or a 10,000-character field name labelling each of 5,000 empty array items, 13 KB of
// JSON). Past FORM_BUDGET the PDF says it is shortened; the data file in the package stays complete.
import { MAX_LAYOUT_TEXT } from './pdf-layout-text.js';

/** One printed line: a section heading (no value) or a label with its value. */
export interface FormRow {
  depth: number;
  label: string;
  value?: string;
}

/** The rows of a form, and what of the data they leave out. */
export interface FormRows {
  rows: FormRow[];
  /** Some data is not shown: the rows stop early (`cut`), or data nested too deep is one row saying so. */
  shortened: boolean;
  /** The rows stop before the data ends: the next row would have exceeded FORM_BUDGET. */
  cut: boolean;
}

type Schema = Record<string, unknown>;

/**
 * What the PDF shows of one form at most (docs/xoev-content.md): rows, characters of labels and values together
 * (each counted as far as the PDF shows it), and levels of nesting (objects and arrays; deeper data ran the
 * flattening out of call stack). A large real Bauantrag (largeBauantrag in test-support.ts: six applicants, 120
 * attachments, a 5,000-character description) has 834 rows and 31,284 characters in 5 levels.
 */
export const FORM_BUDGET = { rows: 3000, characters: 250_000, nesting: 32 } as const;
const MAX_VALUE = 5000;
/** Where the complete data is, when the PDF shows less. */
export const COMPLETE_IN_DATA = 'vollständig in den strukturierten Antragsdaten';

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
  return shown.length > MAX_VALUE ? `${shown.slice(0, MAX_VALUE)} … (gekürzt; ${COMPLETE_IN_DATA})` : shown;
}

// A list of plain values as one value: joined only as far as the value is shown (a list may have millions).
function formatList(values: readonly unknown[]): string {
  let text = '';
  for (let i = 0; i < values.length; i++) {
    text = i === 0 ? formatValue(values[i]) : `${text}, ${formatValue(values[i])}`;
    if (text.length > MAX_VALUE) return formatValue(text);
  }
  return text;
}

// Characters of a row as the PDF shows them (pdf-layout-text.ts cuts each text there).
function shownLength(row: FormRow): number {
  return Math.min(row.label.length, MAX_LAYOUT_TEXT) + Math.min(row.value?.length ?? 0, MAX_LAYOUT_TEXT);
}

/**
 * Flattens data into labelled rows, depth-first, in the data's own order, within FORM_BUDGET: rows stop before
 * the first one that exceeds it, and data nested deeper is one row saying so (the data beside the PDF holds everything).
 */
export function formRows(data: unknown, formSchema?: Record<string, unknown>): FormRows {
  const rows: FormRow[] = [];
  let characters = 0;
  let full = false;
  let nestedTooDeep = false;
  const push = (row: FormRow): boolean => {
    if (!full && (rows.length >= FORM_BUDGET.rows || characters + shownLength(row) > FORM_BUDGET.characters)) full = true;
    if (full) return false;
    rows.push(row);
    characters += shownLength(row);
    return true;
  };
  const visit = (value: unknown, label: string, schema: Schema | undefined, depth: number, nesting: number): void => {
    if (full) return;
    const nested = Array.isArray(value) ? value.length > 0 : isObject(value);
    if (nested && nesting >= FORM_BUDGET.nesting) {
      nestedTooDeep = true;
      push({ depth, label, value: `… (tiefer verschachtelt; ${COMPLETE_IN_DATA})` });
      return;
    }
    if (Array.isArray(value)) {
      const items = itemSchema(schema, formSchema);
      if (value.length === 0) return;
      if (value.every((v) => !isObject(v) && !Array.isArray(v))) {
        push({ depth, label, value: formatList(value) });
        return;
      }
      for (let i = 0; i < value.length && !full; i++) visit(value[i], `${label} ${i + 1}`, items, depth, nesting + 1);
      return;
    }
    if (isObject(value)) {
      // keys, not entries: a key-value pair each cost four times as much on an object of 700,000 fields
      const keys = Object.keys(value).filter((k) => !k.startsWith('@_') && !k.startsWith('?') && k !== '#text');
      // XML text content of an element with attributes, code-list elements (<x><code>…</code></x>) and
      // XBau name wrappers (<familienname><name>…</name></familienname>): one value.
      if ('#text' in value && keys.length === 0) {
        push({ depth, label, value: formatValue(value['#text']) });
        return;
      }
      const only = keys.length === 1 ? keys[0] : undefined;
      if (only !== undefined && ['code', 'name'].includes(only.slice(only.indexOf(':') + 1)) && !isObject(value[only]) && !Array.isArray(value[only])) {
        push({ depth, label, value: formatValue(value[only]) });
        return;
      }
      if (!push({ depth, label })) return;
      for (const k of keys) {
        if (full) return;
        const s = propertySchema(schema, k, formSchema);
        visit(value[k], typeof s?.title === 'string' ? s.title : readableName(k), s, depth + 1, nesting + 1);
      }
      return;
    }
    if (value === null || value === undefined || value === '') return;
    push({ depth, label, value: formatValue(value) });
  };
  if (isObject(data)) {
    for (const k of Object.keys(data)) {
      if (full) break;
      if (k.startsWith('?') || k.startsWith('@_')) continue;
      const s = propertySchema(formSchema, k, formSchema);
      visit(data[k], typeof s?.title === 'string' ? s.title : readableName(k), s, 0, 1);
    }
  } else if (data !== undefined) {
    visit(data, 'Antragsdaten', formSchema, 0, 0);
  }
  return { rows, shortened: full || nestedTooDeep, cut: full };
}
