import { stringify } from 'csv-stringify/sync';

/** The columns every CSV export starts with, before the record's own fields. */
export const CSV_FIXED_COLUMNS = ['cursor', 'kind', 'source', 'key'] as const;

/** A change as the CSV writer needs it: `data` is what the connector sends (its output mapping applied). */
export interface CsvChange {
  cursor: string;
  kind: string;
  source: string;
  key: string;
  data: Record<string, unknown>;
}

/** RFC 4180 with CRLF line ends; a field with a comma, quote, CR or LF is quoted (csv-stringify doubles quotes). */
const CSV_OPTIONS = { record_delimiter: '\r\n', quoted_match: /[\r\n]/ } as const;

/**
 * Renders changes of one entity as CSV for ERP batch imports: a header line, then one line per change with cursor,
 * kind, source, key and the record's fields in `fields` order (the mapping's declared fields, so every file of an
 * entity has the same columns). Nested objects and arrays are written as JSON text, null and missing fields as
 * empty cells.
 * @example const csv = new CsvWriter(['name', 'qty']); out.write(csv.header()); out.write(csv.row(change));
 */
export class CsvWriter {
  constructor(readonly fields: readonly string[]) {}

  /** Every column, the fixed ones first. */
  columns(): string[] {
    return [...CSV_FIXED_COLUMNS, ...this.fields];
  }

  header(): string {
    return csvLine(this.columns());
  }

  row(change: CsvChange): string {
    return csvLine(this.cells(change));
  }

  /** One change's cells, in column order, as text. */
  cells(change: CsvChange): string[] {
    return [change.cursor, change.kind, change.source, change.key, ...this.fields.map((f) => csvValue(change.data[f]))];
  }
}

/**
 * One CSV line through csv-stringify: a field with a comma, quote, CR or LF is quoted, its quotes doubled (RFC 4180
 * §2.6–2.7). Cells are text already (csvValue), so the library's own casts (booleans as 1/empty) never apply.
 */
export function csvLine(values: readonly string[]): string {
  return stringify([values as string[]], CSV_OPTIONS);
}

/** One field's text: strings as they are, objects and arrays as JSON, null and undefined as nothing. */
export function csvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
