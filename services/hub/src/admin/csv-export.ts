import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { FastifyReply } from 'fastify';

/** One column of an export: its header and how a row gives the cell. */
export interface CsvColumn<T> {
  readonly header: string;
  readonly cell: (row: T) => string | number | boolean | Date | null | undefined;
}

export type CsvDialect = 'rfc4180' | 'excel-de';

/** Rows per journal read while exporting: pages of the search, fetched as the client reads. */
export const CSV_PAGE = 500;
/** Most rows one export holds; a search with more is cut there (narrow it to export the rest). */
export const CSV_MAX_ROWS = 100_000;

function text(value: ReturnType<CsvColumn<unknown>['cell']>): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * Sends rows as a CSV download, streamed page by page: a header row, RFC 4180 quoting (fields with
 * a delimiter, quote or line break are quoted, quotes doubled), CRLF line ends, and cells that a
 * spreadsheet would run as a formula (= + - @ …) prefixed with an apostrophe (OWASP CSV injection).
 * `excel-de` writes semicolons and a UTF-8 byte order mark, which German spreadsheet software expects.
 */
export function sendCsv<T>(reply: FastifyReply, name: string, dialect: CsvDialect, columns: readonly CsvColumn<T>[], rows: AsyncIterable<T>): FastifyReply {
  const csv = stringify({
    header: true,
    columns: columns.map((c) => c.header),
    delimiter: dialect === 'excel-de' ? ';' : ',',
    bom: dialect === 'excel-de',
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    escape_formulas: true,
  });
  async function* records(): AsyncGenerator<string[]> {
    for await (const row of rows) yield columns.map((c) => text(c.cell(row)));
  }
  const source = Readable.from(records());
  // a journal failure mid-export ends the download early rather than sending a partial file as complete
  source.on('error', (error) => csv.destroy(error));
  source.pipe(csv);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}-${stamp}.csv"`)
    .header('cache-control', 'no-store')
    .send(csv);
}

/** Pages through a paged search until it is exhausted or `CSV_MAX_ROWS` rows were given. */
export async function* allPages<T>(page: (offset: number, limit: number) => Promise<{ items: T[] }>): AsyncGenerator<T> {
  for (let offset = 0; offset < CSV_MAX_ROWS; offset += CSV_PAGE) {
    const { items } = await page(offset, Math.min(CSV_PAGE, CSV_MAX_ROWS - offset));
    yield* items;
    if (items.length < CSV_PAGE) return;
  }
}
