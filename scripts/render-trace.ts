/**
 * Draws a trace written by `tsmpiexec --trace` as a timeline picture, for the docs (there is no
 * browser to take a Perfetto screenshot in). One row per rank (and per lane of overlapping calls),
 * coloured by kind: point-to-point, collective, the program's own spans, init/finalize.
 *
 *   node --import tsx scripts/render-trace.ts trace.json picture.png [title]
 *
 * Writes an SVG in a temporary directory and turns it into the PNG with rsvg-convert (Debian/Ubuntu
 * package librsvg2-bin).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ChromeTrace } from '../launcher/observe/chrome-trace.js';


const COLOURS: Record<string, string> = { p2p: '#4e79a7', collective: '#f28e2b', span: '#59a14f', runtime: '#bab0ac' };
const WIDTH = 1400;
const LABEL = 170;
const ROW = 34;
const TOP = 60;

function render(trace: ChromeTrace, title: string): string {
  const calls = trace.traceEvents.filter((e) => e.ph === 'X');
  const names = new Map(trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => [e.pid, String(e.args?.name ?? `rank ${e.pid}`)]));
  const rows = [...new Set(calls.map((e) => `${e.pid}:${e.tid}`))].sort((a, b) => {
    const [pa, ta] = a.split(':').map(Number) as [number, number];
    const [pb, tb] = b.split(':').map(Number) as [number, number];
    return pa - pb || ta - tb;
  });
  // A loop, not Math.min(...times): a long run's calls overflow the stack as spread arguments.
  let firstInitEnd = Infinity;
  let first = Infinity;
  let end = -Infinity;
  for (const e of calls) {
    const callEnd = (e.ts as number) + (e.dur as number);
    if (e.name === 'init') firstInitEnd = Math.min(firstInitEnd, callEnd);
    first = Math.min(first, e.ts as number);
    end = Math.max(end, callEnd);
  }
  // The picture starts where the first rank's init() ends: process start-up is not the program.
  const start = Number.isFinite(firstInitEnd) ? firstInitEnd * 0.98 : first;
  const scale = (WIDTH - LABEL - 20) / Math.max(1, end - start);
  const x = (ts: number): number => LABEL + Math.max(0, ts - start) * scale;
  const height = TOP + rows.length * ROW + 50;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">${escape(title)}</text>`,
  ];
  // Time axis: about ten ticks at a round step.
  // Trace times are microseconds; the axis is in seconds.
  const span = (end - start) / 1e6;
  const step = niceStep(span / 10);
  for (let t = 0; t <= span; t += step) {
    const tx = x(start + t * 1e6);
    out.push(`<line x1="${tx}" y1="${TOP - 8}" x2="${tx}" y2="${TOP + rows.length * ROW}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${tx}" y="${TOP - 12}" text-anchor="middle" fill="#555">${formatMs(t)}</text>`);
  }
  rows.forEach((row, index) => {
    const [pid, tid] = row.split(':').map(Number) as [number, number];
    const y = TOP + index * ROW;
    out.push(`<text x="10" y="${y + ROW / 2 + 4}">${escape(tid === 0 ? (names.get(pid) ?? '') : '  (overlapping)')}</text>`);
    for (const e of calls.filter((c) => c.pid === pid && c.tid === tid)) {
      if ((e.ts as number) + (e.dur as number) < start) continue;
      const left = x(e.ts as number);
      const w = Math.max(1, x((e.ts as number) + (e.dur as number)) - left);
      // Spans are drawn thin at the top of the row so the calls inside them stay visible.
      const isSpan = e.cat === 'span';
      const top = isSpan ? y + 3 : y + 10;
      const h = isSpan ? 6 : ROW - 14;
      out.push(`<rect x="${left.toFixed(2)}" y="${top}" width="${w.toFixed(2)}" height="${h}" fill="${COLOURS[e.cat ?? 'runtime'] ?? '#999'}" stroke="white" stroke-width="0.5"><title>${escape(e.name)}</title></rect>`);
      if (!isSpan && w > e.name.length * 7 + 6) out.push(`<text x="${left + 3}" y="${top + h / 2 + 4}" fill="white" font-size="11">${escape(e.name)}</text>`);
    }
  });
  const legendY = TOP + rows.length * ROW + 30;
  Object.entries({ 'point-to-point': COLOURS.p2p, collective: COLOURS.collective, 'trace.span() (thin bar)': COLOURS.span, 'init / finalize': COLOURS.runtime }).forEach(([label, colour], i) => {
    out.push(`<rect x="${LABEL + i * 220}" y="${legendY - 10}" width="14" height="12" fill="${colour}"/>`);
    out.push(`<text x="${LABEL + i * 220 + 20}" y="${legendY}">${escape(label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
}

function formatMs(seconds: number): string {
  return seconds >= 1 ? `${Number(seconds.toFixed(2))} s` : `${Number((seconds * 1000).toFixed(1))} ms`;
}

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

const [input, png, title] = process.argv.slice(2);
if (input === undefined || png === undefined) {
  process.stderr.write('usage: node --import tsx scripts/render-trace.ts trace.json picture.png [title]\n');
  process.exit(2);
}
const svgFile = join(mkdtempSync(join(tmpdir(), 'tsmpi-render-')), `${basename(png, '.png')}.svg`);
writeFileSync(svgFile, render(JSON.parse(readFileSync(input, 'utf8')) as ChromeTrace, title ?? input));
const converted = spawnSync('rsvg-convert', ['-o', png, svgFile], { stdio: 'inherit' });
if (converted.error !== undefined || converted.status !== 0) {
  process.stderr.write(`wrote ${svgFile}; could not run rsvg-convert (install librsvg2-bin) to make ${png}\n`);
  process.exit(1);
}
process.stdout.write(`wrote ${svgFile} and ${png}\n`);
