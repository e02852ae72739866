/**
 * Point-to-point side by side in one run: tsmpi (benchmarks/p2p-rank.ts under tsmpiexec -np 2)
 * and raw zeromq.js (benchmarks/p2p-zeromq.ts), with the ratio that the performance targets are
 * stated in (docs/performance.md, issue #6).
 *
 *   node --import tsx benchmarks/p2p.ts [--quick] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseRecords, writeJsonIfAsked, type Measurement } from './lib/records.js';


const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const quick = process.argv.includes('--quick') ? ['--quick'] : [];
const run = (args: string[]): Measurement[] => {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed with exit code ${result.status}`);
  return parseRecords(result.stdout);
};

const records = [
  ...run([here('../dist/launcher/bin/tsmpiexec.js'), '-np', '2', here('./p2p-rank.ts'), ...quick]),
  ...run(['--import', 'tsx', here('./p2p-zeromq.ts'), ...quick]),
];

console.log(`point-to-point, 2 ranks on one machine (ipc), ${new Date().toISOString().slice(0, 10)}`);
console.log(['measurement'.padEnd(26), 'bytes'.padStart(9), 'tsmpi'.padStart(12), 'zeromq.js'.padStart(12), 'tsmpi/zmq'.padStart(10)].join(' '));
for (const r of records.filter((m) => m.impl === 'tsmpi')) {
  const floor = records.find((m) => m.impl === 'zeromq.js' && m.bench === r.bench && m.size === r.size);
  const ratio = floor === undefined ? '-' : (r.value / floor.value).toFixed(2);
  const cell = (m: Measurement | undefined): string => (m === undefined ? '-' : `${m.value.toFixed(1)} ${m.unit}`);
  console.log([r.bench.padEnd(26), String(r.size).padStart(9), cell(r).padStart(12), cell(floor).padStart(12), ratio.padStart(10)].join(' '));
}
writeJsonIfAsked(records);
