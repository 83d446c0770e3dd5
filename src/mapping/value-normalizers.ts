/**
 * Type normalization for mapped values. Each normalizer takes a present (non-null) source value and returns the
 * canonical value, or throws {@link ValueRejected}. Throwing keeps the happy path free of result objects; the
 * error path is rare and collects the reason into a MappingIssue.
 */

/** Why a value was refused; the mapper turns it into a MappingIssue with the field and delivery. */
export class ValueRejected extends Error {
  constructor(
    readonly code: 'MAPPING_WRONG_TYPE' | 'MAPPING_UNKNOWN_ENUM_VALUE',
    message: string,
  ) {
    super(message);
  }
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const INTEGER = /^[+-]?\d+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;
/** Epoch milliseconds this side of year 10000, so toISOString never leaves the 4-digit year form. */
const MAX_EPOCH_MS = 253_402_300_799_999;

/** Text stays text; numbers (AppDirect order and product ids) become their decimal string. */
export function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw wrongType(v, 'a string (or a number, kept as its decimal text)');
}

/** A safe integer, from a JSON number or an integer string (`maxUsers` is documented numeric but sent as "1"). */
export function toInteger(v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && INTEGER.test(v.trim())) {
    const n = Number(v.trim());
    if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
    throw new ValueRejected('MAPPING_WRONG_TYPE', `${JSON.stringify(v)} is beyond the safe integer range; map it as decimal`);
  }
  throw wrongType(v, 'an integer');
}

/**
 * An exact decimal as a canonical string: no leading zeros, no trailing fractional zeros, no `+`, no `-0`.
 * Money never passes through a binary float: strings are checked with a regex and re-spelled, never Number()'d.
 * A JSON number is accepted only when its shortest spelling is plain decimal (no exponent); it was already a
 * float when JSON.parse read it, so that is the most that can be kept.
 *
 * @example toDecimal('0.0000000000') === '0'; toDecimal('12345678901234567890.1234567890') === '12345678901234567890.123456789'
 */
export function toDecimal(v: unknown): string {
  let text: string;
  if (typeof v === 'string') text = v.trim();
  else if (typeof v === 'number' && Number.isFinite(v)) text = String(v);
  else throw wrongType(v, 'a decimal string such as "12.50"');
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw wrongType(v, 'a decimal string such as "12.50"');
  const intPart = (m[2] ?? '').replace(/^0+/, '') || '0';
  const fracPart = (m[3] ?? '').replace(/0+$/, '');
  const body = fracPart === '' ? intPart : `${intPart}.${fracPart}`;
  return m[1] === '-' && body !== '0' ? `-${body}` : body;
}

/** true/false, also as the strings "true"/"false" (Invoice `localized` is documented as a String). */
export function toBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  throw wrongType(v, 'a boolean (true/false or "true"/"false")');
}

/**
 * An instant as ISO-8601 UTC with milliseconds (`2015-08-27T06:00:00.000Z`). Accepts epoch milliseconds (a number
 * or a string of digits) and ISO-8601 with `Z` or any offset. A local time without offset is refused: guessing its
 * zone would shift records silently.
 */
export function toDatetime(v: unknown): string {
  const ms = instantOf(v);
  if (ms === undefined) throw wrongType(v, 'epoch milliseconds or ISO-8601 with Z or an offset');
  return ms >= 0 ? isoOfEpochMs(ms) : new Date(ms).toISOString();
}

/**
 * `new Date(ms).toISOString()` for 1970 to 9999, by arithmetic (days to civil date, H. Hinnant's algorithm): no
 * Date object per value, and a good part of mapping time for the date-heavy AppDirect payloads. A property test
 * holds it to Date's output.
 */
export function isoOfEpochMs(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/**
 * A calendar date `YYYY-MM-DD`. A date passes as is; an ISO datetime keeps the date as written in its own offset
 * (the day the issuer meant); epoch milliseconds give the UTC date.
 */
export function toDate(v: unknown): string {
  if (typeof v === 'string') {
    const d = ISO_DATE.exec(v.trim());
    if (d) {
      if (!validDate(+d[1]!, +d[2]!, +d[3]!)) throw wrongType(v, 'a real calendar date');
      return v.trim();
    }
    if (ISO_DATETIME.test(v.trim()) && instantOf(v) !== undefined) return v.trim().slice(0, 10);
  }
  const ms = instantOf(v);
  if (ms === undefined) throw wrongType(v, 'YYYY-MM-DD, ISO-8601 or epoch milliseconds');
  return (ms >= 0 ? isoOfEpochMs(ms) : new Date(ms).toISOString()).slice(0, 10);
}

/** Any JSON value, kept as is (the lead mapping keeps the unpublished content whole this way). */
export function toJson(v: unknown): unknown {
  return v;
}

function instantOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && Math.abs(v) <= MAX_EPOCH_MS ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const text = v.trim();
  if (/^\d{1,15}$/.test(text)) return instantOf(Number(text));
  const m = ISO_DATETIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? '0')];
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
  const millis = +(m[7] ?? '').padEnd(3, '0').slice(0, 3);
  return Date.UTC(y, mo - 1, d, h, mi, s, millis) - offsetMinutes(m[8]!) * 60_000;
}

function offsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = +digits.slice(0, 2) * 60 + +(digits.slice(2) || '0');
  return zone.startsWith('-') ? -minutes : minutes;
}

function validDate(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

function wrongType(v: unknown, expected: string): ValueRejected {
  const shown = typeof v === 'string' ? JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v) : describe(v);
  return new ValueRejected('MAPPING_WRONG_TYPE', `expected ${expected}, got ${shown}`);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
