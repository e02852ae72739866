/**
 * Runs the collectives benchmark at np 2, 4 and 8 (oversubscribed on small machines) and prints
 * a table of the average time per call in microseconds; `--json FILE` also writes the records.
 *
 *   node --import tsx benchmarks/collectives.ts [--quick] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseRecords, writeJsonIfAsked, type Measurement } from './lib/records.js';


const tsmpiexec = fileURLToPath(new URL('../dist/launcher/bin/tsmpiexec.js', import.meta.url));
const rankProgram = fileURLToPath(new URL('./collectives-rank.ts', import.meta.url));
const quick = process.argv.includes('--quick');

const records: Measurement[] = [];
for (const np of [2, 4, 8]) {
  const run = spawnSync(process.execPath, [tsmpiexec, '--oversubscribe', '-np', String(np), rankProgram, ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`the benchmark at np ${np} failed with exit code ${run.status}`);
  records.push(...parseRecords(run.stdout));
}

const keys = [...new Set(records.map((r) => `${r.bench} ${r.size}`))];
console.log(`collective time per call, microseconds (average over ranks), ${new Date().toISOString().slice(0, 10)}`);
console.log(['operation'.padEnd(12), 'bytes'.padStart(8), ...[2, 4, 8].map((np) => `np ${np}`.padStart(10))].join(' '));
for (const key of keys) {
  const [bench, size] = key.split(' ');
  const cells = [2, 4, 8].map((np) => records.find((r) => r.bench === bench && String(r.size) === size && r.np === np)?.value.toFixed(1) ?? '-');
  console.log([String(bench).padEnd(12), String(size).padStart(8), ...cells.map((c) => c.padStart(10))].join(' '));
}
writeJsonIfAsked(records);
