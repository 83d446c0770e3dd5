/** How column values read back from either engine become the service's values. */

/** PostgreSQL returns Date, SQLite the ISO text we wrote: both become a Date. */
export function asDate(v: Date | string | number): Date {
  return v instanceof Date ? v : new Date(v);
}

/** PostgreSQL returns bigint columns as strings; ids in this service are JS numbers (below 2^53). */
export function asNumber(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}
