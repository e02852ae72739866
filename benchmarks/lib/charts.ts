/**
 * The charts docs/performance.md shows, drawn from one run's records: point-to-point latency and
 * bandwidth against message size, and the time of a few collectives against the number of ranks.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Measurement } from './records.js';
import { formatBytes, renderLineChart, type Series } from './svg-chart.js';

/**
 * The implementations of the point-to-point suite (benchmarks/p2p.ts). Other suites record
 * latency and bandwidth too (encryption.ts, over tcp between two hosts), which are not what the
 * point-to-point charts compare.
 */
export const POINT_TO_POINT_IMPLS: readonly string[] = ['tsmpi', 'zeromq.js', 'Open MPI shm', 'Open MPI tcp'];

/** The collectives charted against np, with the message size in bytes (0: barrier, which has none). */
const COLLECTIVES = [
  ['allreduce', 8],
  ['bcast', 8],
  ['allreduce', 1 << 20],
  ['barrier', 0],
] as const;

const BYTE_TICKS = [1, 16, 256, 4096, 65536, 1 << 20, 1 << 22];

/**
 * Today, and the machine and Node that take the figures: figures from different Nodes differ
 * (start-up most), so every run and chart says which it was.
 */
export function machineDescription(): string {
  return `${new Date().toISOString().slice(0, 10)}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}`;
}

/** The small print under every chart. */
function chartCaption(): string {
  return `${machineDescription()}; tsmpi and zeromq.js over ipc`;
}

/** One line per implementation among `impls` that has records of `bench` passing `keep`, plotted at `x`. */
function seriesOf(
  records: readonly Measurement[],
  bench: string,
  impls: readonly string[],
  keep: (m: Measurement) => boolean,
  x: (m: Measurement) => number,
): Series[] {
  return impls
    .map((impl) => ({ name: impl, points: records.filter((m) => m.bench === bench && m.impl === impl && keep(m)).map((m) => [x(m), m.value] as const) }))
    .filter((series) => series.points.length > 0);
}

/**
 * Writes the SVG charts of `records` into `dir` (made if missing), each captioned `caption`.
 * @returns the names of the files written
 */
export function writeCharts(records: readonly Measurement[], dir: string, caption: string = chartCaption()): string[] {
  const pointToPoint = (m: Measurement): boolean => m.np === 2 && m.size > 0;
  const charts: Record<string, string> = {
    'bench-p2p-latency.svg': renderLineChart({
      title: 'Point-to-point latency (half a round trip), 2 ranks',
      xLabel: 'message size (bytes)',
      yLabel: 'latency (µs, log)',
      xLog: true,
      yLog: true,
      xTicks: BYTE_TICKS,
      formatX: formatBytes,
      series: seriesOf(records, 'latency', POINT_TO_POINT_IMPLS, pointToPoint, (m) => m.size),
      caption,
    }),
    'bench-p2p-bandwidth.svg': renderLineChart({
      title: 'Point-to-point bandwidth (window of 64), 2 ranks',
      xLabel: 'message size (bytes)',
      yLabel: 'bandwidth (MB/s, log)',
      xLog: true,
      yLog: true,
      xTicks: BYTE_TICKS,
      formatX: formatBytes,
      series: seriesOf(records, 'bandwidth', POINT_TO_POINT_IMPLS, pointToPoint, (m) => m.size),
      caption,
    }),
  };
  for (const [op, size] of COLLECTIVES) {
    const impls = [...new Set(records.filter((m) => m.bench === op).map((m) => m.impl))];
    charts[`bench-${op}-${size === 0 ? 'np' : formatBytes(size)}.svg`] = renderLineChart({
      title: `${op}${size === 0 ? '' : ` of ${formatBytes(size)}B`} against the number of ranks`,
      xLabel: 'ranks (np)',
      yLabel: 'time per call (µs, log)',
      yLog: true,
      series: seriesOf(records, op, impls, (m) => m.size === size, (m) => m.np),
      caption,
    });
  }
  mkdirSync(dir, { recursive: true });
  for (const [file, svg] of Object.entries(charts)) writeFileSync(join(dir, file), svg);
  return Object.keys(charts);
}
