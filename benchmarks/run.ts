/**
 * `npm run bench`: every benchmark suite, one after another, each printing its table; then the
 * issue #6 targets as ratios of figures from this same run, and (for a full run, or with
 * `--charts DIR`) SVG charts of latency and bandwidth against message size and of collective
 * time against np. `--json FILE` writes every record ({ bench, impl, np, size, value, unit, min,
 * max, runs }) to one file. `--quick` runs each suite briefly (under a minute on the 2-core machine, build included).
 *
 *   npm run bench [-- --quick] [-- --runs N] [-- --json FILE] [-- --charts DIR]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineDescription, writeCharts } from './lib/charts.js';
import { evaluateTargets } from './lib/targets.js';
import { writeJsonIfAsked, type Measurement } from './lib/records.js';

const SUITES = ['p2p.ts', 'collectives.ts', 'pools.ts', 'startup.ts', 'encryption.ts'];
const quick = process.argv.includes('--quick');
const passed = process.argv.slice(2).filter((arg, i, all) => arg === '--quick' || arg === '--runs' || all[i - 1] === '--runs');
const chartsIndex = process.argv.indexOf('--charts');
const chartsDir = chartsIndex > 0 ? process.argv[chartsIndex + 1] : quick ? undefined : fileURLToPath(new URL('../docs/images', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-bench-'));
const all: Measurement[] = [];
console.log(`tsmpi benchmarks (${quick ? 'quick' : 'full'}): ${machineDescription()}\n`);
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

if (chartsDir !== undefined) console.log(`charts written to ${chartsDir}: ${writeCharts(all, chartsDir).join(', ')}`);
