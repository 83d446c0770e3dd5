/** The columns every CSV export starts with, before the record's own fields. */
export const CSV_FIXED_COLUMNS = ['cursor', 'kind', 'source', 'key'] as const;

/** A change as the CSV writer needs it. */
export interface CsvChange {
  cursor: string;
  kind: string;
  source: string;
  key: string;
  data: Record<string, unknown>;
}

/**
 * Renders changes of one entity as RFC 4180 CSV for ERP batch imports: a header line, then one line per change with
 * cursor, kind, source, key and the record's top-level fields in `fields` order. Nested objects and arrays are
 * written as JSON text, null and missing fields as empty cells; lines end with CRLF.
 * @example const csv = new CsvWriter(['name', 'qty']); out.write(csv.header()); out.write(csv.row(change));
 */
export class CsvWriter {
  constructor(private readonly fields: readonly string[]) {}

  header(): string {
    return csvLine([...CSV_FIXED_COLUMNS, ...this.fields]);
  }

  row(change: CsvChange): string {
    return csvLine([change.cursor, change.kind, change.source, change.key, ...this.fields.map((f) => csvValue(change.data[f]))]);
  }
}

/** One field's text: strings as they are, objects and arrays as JSON, null and undefined as nothing. */
export function csvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** One CSV line: a field with a comma, quote, CR or LF is quoted, its quotes doubled (RFC 4180 §2.6–2.7). */
export function csvLine(values: readonly string[]): string {
  return `${values.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')}\r\n`;
}
