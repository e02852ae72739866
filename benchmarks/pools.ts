/**
 * Pools against Python's multiprocessing.Pool, side by side in one run with the same number of
 * workers (the number of usable cores): tiny tasks with default chunking, tiny tasks streamed
 * with chunksize 1, and Monte Carlo pi as a pool map (speed-up over serial in the same language).
 *
 *   node --import tsx benchmarks/pools.ts [--quick] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { find, parseRecords, runForRecords, summarizeRuns, writeJsonIfAsked, type Measurement } from './lib/records.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const quick = process.argv.includes('--quick');
const workers = availableParallelism();
const records: Measurement[] = [];

const python = spawnSync('python3', [here('./pools-python.py'), String(workers), ...(quick ? ['--quick'] : [])], { encoding: 'utf8' });
if (python.status === 0) records.push(...parseRecords(python.stdout));
else console.log(`python3 column skipped: ${python.error?.message ?? python.stderr.trim().split('\n').at(-1)}`);

// One rank more than workers: rank 0 only hands out work, as multiprocessing's parent does.
records.push(
  ...runForRecords(process.execPath, [here('../dist/bundle/tsmpiexec.js'), '--oversubscribe', '-np', String(workers + 1), here('./pools-rank.ts'), ...(quick ? ['--quick'] : [])]),
);

console.log(`pools, ${workers} workers, ${new Date().toISOString().slice(0, 10)}`);
console.log(['measurement'.padEnd(30), 'python'.padStart(14), 'tsmpi'.padStart(14), 'tsmpi/python'.padStart(14)].join(' '));
for (const bench of [...new Set(records.map((r) => r.bench))]) {
  const py = find(records, bench, 'python-multiprocessing', workers, 0);
  const ts = find(records, bench, 'tsmpi', workers, 0);
  const unit = ts?.unit ?? py?.unit ?? '';
  const cell = (m: Measurement | undefined): string => (m === undefined ? '-' : `${m.value.toFixed(m.unit === 'x' ? 2 : 0)} ${unit}`);
  const ratio = py !== undefined && ts !== undefined ? (ts.value / py.value).toFixed(2) : '-';
  console.log([bench.padEnd(30), cell(py).padStart(14), cell(ts).padStart(14), ratio.padStart(14)].join(' '));
}
writeJsonIfAsked(summarizeRuns(records));
