import { escapeHtml, html, trusted, type SafeHtml } from './html';

/** One bar of a stacked chart: a label (a minute) and a count per series. */
export interface StackedBar {
  label: string;
  counts: Record<string, number>;
}

/**
 * A small stacked bar chart as inline SVG, drawn on the server (no charting library, no script). Each series has a
 * CSS class (colour) and a fill pattern class (so it reads without colour); a table beside it gives the numbers.
 */
export function stackedBars(bars: StackedBar[], series: readonly string[], title: string): SafeHtml {
  const width = 600;
  const height = 140;
  const max = Math.max(1, ...bars.map((b) => series.reduce((n, s) => n + (b.counts[s] ?? 0), 0)));
  const step = width / Math.max(1, bars.length);
  const rects: string[] = [];
  bars.forEach((bar, i) => {
    let y = height;
    for (const s of series) {
      const n = bar.counts[s] ?? 0;
      if (n === 0) continue;
      const h = (n / max) * (height - 10);
      y -= h;
      // Only numbers and names of our own series go into this markup.
      rects.push(
        `<rect class="series-${s}" x="${(i * step + 1).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, step - 2).toFixed(1)}" height="${h.toFixed(1)}"><title>${bar.label} ${s}: ${n}</title></rect>`,
      );
    }
  });
  return html`<figure class="chart">
    <svg viewBox="0 0 ${width} ${height + 20}" role="img" aria-label="${title}, highest bar ${max}">
      <line x1="0" y1="${height}" x2="${width}" y2="${height}" class="axis"></line>
      ${trusted(rects.join(''))}
      <text x="0" y="${height + 15}" class="axis-label">${bars[0]?.label ?? ''}</text>
      <text x="${width}" y="${height + 15}" text-anchor="end" class="axis-label">${bars[bars.length - 1]?.label ?? ''}</text>
      <text x="${width}" y="10" text-anchor="end" class="axis-label">max ${max}/min</text>
    </svg>
    <figcaption>${title}: ${series.map((s) => html`<span class="legend series-${s}">${s}</span> `)}</figcaption>
  </figure>`;
}

/** Horizontal bars of one value per row (events by status, lag per consumer), with the number printed beside. */
export function valueBars(rows: Array<{ label: string; value: number; cls?: string }>, title: string): SafeHtml {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const rowHeight = 22;
  const body = rows
    .map((r, i) => {
      const w = (r.value / max) * 300;
      const y = i * rowHeight;
      const label = escapeHtml(r.label);
      return `<text x="0" y="${y + 15}" class="axis-label">${label}</text><rect class="${r.cls ?? 'bar'}" x="150" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}"></rect><text x="${(155 + w).toFixed(1)}" y="${y + 15}" class="axis-label">${r.value}</text>`;
    })
    .join('');
  return html`<figure class="chart">
    <svg viewBox="0 0 520 ${Math.max(1, rows.length) * rowHeight}" role="img" aria-label="${title}">${trusted(body)}</svg>
    <figcaption>${title}</figcaption>
  </figure>`;
}
