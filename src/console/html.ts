/** HTML that is already safe to send: produced by `html` or `trusted`, never by string concatenation of input. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

type Part = SafeHtml | string | number | boolean | null | undefined | Part[];

function render(value: Part): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * The console's one template helper: every interpolated value is escaped unless it is already `SafeHtml` (another
 * `html` result); arrays are joined; null, undefined and false render nothing.
 * @example html`<td>${event.resourceUuid}</td>` // a uuid of "<script>" prints as text
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Marks a string the service built itself (an SVG path of numbers) as safe. Never call it on input. */
export function trusted(text: string): SafeHtml {
  return new SafeHtml(text);
}

/** JSON pretty-printed for a <pre> block (escaped by `html` when interpolated). */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}
