/**
 * Line charts as standalone SVG files (no dependency, readable on GitHub and in any browser):
 * one line per implementation, optional logarithmic axes, a legend, and a caption saying when
 * and where the figures were taken.
 */

/** One line of a chart. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [x: number, y: number])[];
}

/** What to draw. */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  readonly series: readonly Series[];
  /** Small print under the chart (date, machine). */
  readonly caption: string;
  /** Formats a tick value on the x axis (for example bytes as "64K"). */
  readonly formatX?: (value: number) => string;
  /** Tick values for the x axis, instead of powers of ten or round steps. */
  readonly xTicks?: readonly number[];
}

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 70, right: 170, top: 40, bottom: 70 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Powers of ten (log axis) or about six round steps (linear axis) covering [low, high]. */
function ticks(low: number, high: number, log: boolean): number[] {
  if (log) {
    const result: number[] = [];
    for (let e = Math.floor(Math.log10(low)); e <= Math.ceil(Math.log10(high)); e++) result.push(10 ** e);
    return result;
  }
  const step = 10 ** Math.floor(Math.log10((high - low) / 5 || 1));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (high - low) / s <= 6) ?? step * 10;
  const result: number[] = [];
  for (let v = Math.floor(low / nice) * nice; v <= high + nice / 2; v += nice) result.push(Number(v.toPrecision(12)));
  return result;
}

/** Renders `chart` as the text of an SVG file. */
export function renderLineChart(chart: LineChart): string {
  const all = chart.series.flatMap((s) => s.points).filter(([x, y]) => (!chart.xLog || x > 0) && (!chart.yLog || y > 0));
  if (all.length === 0) throw new Error(`chart "${chart.title}" has no points to draw`);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xTicks = chart.xTicks ?? ticks(Math.min(...xs), Math.max(...xs), chart.xLog ?? false);
  const yTicks = ticks(chart.yLog ? Math.min(...ys) : Math.min(0, ...ys), Math.max(...ys), chart.yLog ?? false);
  const [x0, x1] = chart.xLog ? [Math.min(...xs), Math.max(...xs)] : [xTicks[0] as number, xTicks.at(-1) as number];
  const [y0, y1] = [yTicks[0] as number, yTicks.at(-1) as number];
  const scale = (v: number, lo: number, hi: number, log: boolean): number =>
    log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo) || 1) : (v - lo) / (hi - lo || 1);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number): number => MARGIN.left + scale(x, x0, x1, chart.xLog ?? false) * plotW;
  const py = (y: number): number => MARGIN.top + plotH - scale(y, y0, y1, chart.yLog ?? false) * plotH;
  const formatX = chart.formatX ?? ((v: number) => String(v));
  const formatY = (v: number): string =>
    v >= 1e6 ? `${Number((v / 1e6).toPrecision(3))}M` : v >= 1000 ? `${Number((v / 1000).toPrecision(3))}k` : String(Number(v.toPrecision(3)));

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  parts.push(`<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(chart.title)}</text>`);
  for (const t of xTicks.filter((t) => t >= x0 && t <= x1)) {
    parts.push(`<line x1="${px(t)}" y1="${MARGIN.top}" x2="${px(t)}" y2="${MARGIN.top + plotH}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${px(t)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${escape(formatX(t))}</text>`);
  }
  for (const t of yTicks) {
    parts.push(`<line x1="${MARGIN.left}" y1="${py(t)}" x2="${MARGIN.left + plotW}" y2="${py(t)}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${py(t) + 4}" text-anchor="end">${escape(formatY(t))}</text>`);
  }
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#555"/>`);
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 36}" text-anchor="middle">${escape(chart.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(chart.yLabel)}</text>`);
  chart.series.forEach((series, index) => {
    const colour = COLOURS[index % COLOURS.length] as string;
    const points = series.points.filter(([x, y]) => (!chart.xLog || x > 0) && (!chart.yLog || y > 0)).sort((a, b) => a[0] - b[0]);
    if (points.length === 0) return;
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of points) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${colour}"/>`);
    const ly = MARGIN.top + 10 + index * 20;
    parts.push(`<line x1="${WIDTH - MARGIN.right + 12}" y1="${ly}" x2="${WIDTH - MARGIN.right + 36}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`);
    parts.push(`<text x="${WIDTH - MARGIN.right + 42}" y="${ly + 4}">${escape(series.name)}</text>`);
  });
  parts.push(`<text x="${MARGIN.left}" y="${HEIGHT - 10}" font-size="10" fill="#555">${escape(chart.caption)}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Bytes as a short label: 1, 64, 1K, 64K, 1M. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${bytes / (1 << 20)}M`;
  if (bytes >= 1 << 10) return `${bytes / (1 << 10)}K`;
  return String(bytes);
}
