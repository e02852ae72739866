/**
 * Collectives at np 2, 4 and 8 (oversubscribed on small machines) side by side in one run: tsmpi
 * (benchmarks/collectives-rank.ts) and Open MPI over TCP (benchmarks/openmpi/osu-collectives.c),
 * repeated and interleaved; prints the median time per call in microseconds (average over ranks,
 * as the OSU benchmarks report it) and `--json FILE` writes the records.
 *
 *   node --import tsx benchmarks/collectives.ts [--quick] [--runs N] [--json FILE]
 */
import { fileURLToPath } from 'node:url';
import { openMpi } from './lib/openmpi.js';
import { find, runCount, runForRecords, summarizeRuns, writeJsonIfAsked, type Measurement } from './lib/records.js';

const tsmpiexec = fileURLToPath(new URL('../dist/bundle/tsmpiexec.js', import.meta.url));
const rankProgram = fileURLToPath(new URL('./collectives-rank.ts', import.meta.url));
const quick = process.argv.includes('--quick') ? ['--quick'] : [];
const NPS = [2, 4, 8];

const mpi = openMpi();
if (!mpi.available) console.log(`Open MPI column skipped: ${mpi.reason}`);
const raw: Measurement[] = [];
for (let round = 0; round < runCount(); round++) {
  for (const np of NPS) {
    raw.push(...runForRecords(process.execPath, [tsmpiexec, '--oversubscribe', '-np', String(np), rankProgram, ...quick]));
    if (mpi.available) raw.push(...runForRecords(...mpi.command(np, 'tcp', mpi.programs['osu-collectives'] as string, ['Open MPI tcp', ...quick]), { env: mpi.env }));
  }
}
const records = summarizeRuns(raw);

const runs = records[0]?.runs ?? 0;
console.log(`collective time per call, microseconds (average over ranks; median of ${runs} run${runs === 1 ? '' : 's'}), ${new Date().toISOString().slice(0, 10)}`);
console.log(['operation'.padEnd(21), 'bytes'.padStart(8), ...NPS.flatMap((np) => [`tsmpi np ${np}`.padStart(12), `ompi np ${np}`.padStart(12)])].join(' '));
for (const r of records.filter((m) => m.impl === 'tsmpi' && m.np === NPS[0])) {
  const cells = NPS.flatMap((np) => ['tsmpi', 'Open MPI tcp'].map((impl) => find(records, r.bench, impl, np, r.size)?.value.toFixed(1) ?? '-'));
  console.log([r.bench.padEnd(21), String(r.size).padStart(8), ...cells.map((c) => c.padStart(12))].join(' '));
}
writeJsonIfAsked(records);
