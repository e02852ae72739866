/**
 * `npm run bench`: every benchmark suite, one after another, each printing its table; then the
 * issue #6 targets as ratios of figures from this same run, and (for a full run, or with
 * `--charts DIR`) SVG charts of latency and bandwidth against message size and of collective
 * time against np. `--json FILE` writes every record ({ bench, impl, np, size, value, unit, min,
 * max, runs }) to one file. `--quick` runs each suite briefly (about 35 s on 2 cores).
 *
 *   npm run bench [-- --quick] [-- --runs N] [-- --json FILE] [-- --charts DIR]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBytes, renderLineChart, type Series } from './lib/svg-chart.js';
import { evaluateTargets } from './lib/targets.js';
import { writeJsonIfAsked, type Measurement } from './lib/records.js';

const SUITES = ['p2p.ts', 'collectives.ts', 'pools.ts', 'startup.ts', 'encryption.ts'];
const quick = process.argv.includes('--quick');
const passed = process.argv.slice(2).filter((arg, i, all) => arg === '--quick' || arg === '--runs' || all[i - 1] === '--runs');
const chartsIndex = process.argv.indexOf('--charts');
const chartsDir = chartsIndex > 0 ? process.argv[chartsIndex + 1] : quick ? undefined : fileURLToPath(new URL('../docs/images', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-bench-'));
const all: Measurement[] = [];
try {
  for (const suite of SUITES) {
    const json = join(scratch, `${suite}.json`);
    const result = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./${suite}`, import.meta.url)), ...passed, '--json', json], {
      stdio: 'inherit',
    });
    if (result.status !== 0) throw new Error(`benchmark suite ${suite} failed with exit code ${result.status}`);
    all.push(...(JSON.parse(readFileSync(json, 'utf8')) as Measurement[]));
    console.log('');
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

console.log('targets (issue #6), ratios of figures from this run');
for (const target of evaluateTargets(all)) {
  const verdict = target.met === undefined ? 'n/a ' : target.met ? 'met ' : 'MISS';
  const ratio = target.ratio === undefined ? '-' : target.ratio.toFixed(2);
  console.log(`${verdict} ${target.name.padEnd(52)} ${ratio.padStart(6)} (${target.bound})  ${target.detail}`);
}
writeJsonIfAsked(all);

if (chartsDir !== undefined) {
  mkdirSync(chartsDir, { recursive: true });
  const caption = `${new Date().toISOString().slice(0, 10)}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}; tsmpi and zeromq.js over ipc`;
  const seriesOf = (bench: string, np: number | undefined, x: (m: Measurement) => number, filter: (m: Measurement) => boolean = () => true): Series[] =>
    [...new Set(all.filter((m) => m.bench === bench).map((m) => m.impl))].map((impl) => ({
      name: impl,
      points: all.filter((m) => m.bench === bench && m.impl === impl && (np === undefined || m.np === np) && filter(m)).map((m) => [x(m), m.value] as const),
    }));
  const byteTicks = [1, 16, 256, 4096, 65536, 1 << 20, 1 << 22];
  const charts: Record<string, string> = {
    'bench-p2p-latency.svg': renderLineChart({
      title: 'Point-to-point latency (half a round trip), 2 ranks',
      xLabel: 'message size (bytes)',
      yLabel: 'latency (µs, log)',
      xLog: true,
      yLog: true,
      xTicks: byteTicks,
      formatX: formatBytes,
      series: seriesOf('latency', 2, (m) => m.size, (m) => m.size > 0),
      caption,
    }),
    'bench-p2p-bandwidth.svg': renderLineChart({
      title: 'Point-to-point bandwidth (window of 64), 2 ranks',
      xLabel: 'message size (bytes)',
      yLabel: 'bandwidth (MB/s, log)',
      xLog: true,
      yLog: true,
      xTicks: byteTicks,
      formatX: formatBytes,
      series: seriesOf('bandwidth', 2, (m) => m.size, (m) => m.size > 0),
      caption,
    }),
  };
  for (const [op, size] of [['allreduce', 8], ['bcast', 8], ['allreduce', 1 << 20], ['barrier', 0]] as const) {
    charts[`bench-${op}-${size === 0 ? 'np' : formatBytes(size)}.svg`] = renderLineChart({
      title: `${op}${size === 0 ? '' : ` of ${formatBytes(size)}B`} against the number of ranks`,
      xLabel: 'ranks (np)',
      yLabel: 'time per call (µs, log)',
      yLog: true,
      series: seriesOf(op, undefined, (m) => m.np, (m) => m.size === size),
      caption,
    });
  }
  for (const [file, svg] of Object.entries(charts)) writeFileSync(join(chartsDir, file), svg);
  console.log(`charts written to ${chartsDir}: ${Object.keys(charts).join(', ')}`);
}
