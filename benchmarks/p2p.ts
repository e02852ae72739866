/**
 * Point-to-point side by side in one run: tsmpi (benchmarks/p2p-rank.ts under tsmpiexec -np 2,
 * ipc), raw zeromq.js (benchmarks/p2p-zeromq.ts, the floor of tsmpi's transport) and Open MPI
 * over shared memory and over TCP (benchmarks/openmpi/osu-p2p.c), each run repeated and
 * interleaved so that a noisy machine slows all of them alike; the median of the runs is the
 * figure, with its minimum and maximum kept. Each round also measures what the kernel charges
 * here for a system call and a wake-up across processes (benchmarks/machine/os-costs.c), the
 * floor under every message of the Node implementations. Then the 8-byte latency of the target
 * is measured again in short runs of tsmpi and zeromq.js in turn ('latency, paired'), seconds
 * apart instead of a whole suite apart, so that the host's drift (±25 % from minute to minute)
 * weighs on both alike.
 *
 *   node --import tsx benchmarks/p2p.ts [--quick] [--runs N] [--json FILE]
 */
import { fileURLToPath } from 'node:url';
import { openMpi } from './lib/openmpi.js';
import { osCosts, osCostsLine } from './lib/os-costs.js';
import { find, runCount, runForRecords, summarizeRuns, writeJsonIfAsked, type Measurement } from './lib/records.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const quick = process.argv.includes('--quick') ? ['--quick'] : [];

const mpi = openMpi();
if (!mpi.available) console.log(`Open MPI columns skipped: ${mpi.reason}`);
const os = osCosts();
if (!os.available) console.log(`system call and wake-up costs skipped: ${os.reason}`);
/** tsmpi's rank program under tsmpiexec -np 2, and the raw zeromq.js baseline, with `extra` arguments. */
const tsmpi = (...extra: string[]): Measurement[] => runForRecords(process.execPath, [here('../dist/bundle/tsmpiexec.js'), '-np', '2', here('./p2p-rank.ts'), ...extra, ...quick]);
const zeromq = (...extra: string[]): Measurement[] => runForRecords(process.execPath, ['--import', 'tsx', here('./p2p-zeromq.ts'), ...extra, ...quick]);
const raw: Measurement[] = [];
for (let round = 0; round < runCount(); round++) {
  raw.push(...tsmpi(), ...zeromq());
  if (mpi.available) {
    for (const transport of ['shm', 'tcp'] as const) {
      raw.push(...runForRecords(...mpi.command(2, transport, mpi.programs['osu-p2p'] as string, [`Open MPI ${transport}`, ...quick]), { env: mpi.env }));
    }
  }
  if (os.available) raw.push(...os.measure(quick));
}
// Each pair runs both, in alternating order, so that neither is always the one after a pause.
const pairs = quick.length > 0 ? runCount() : Math.max(6, 2 * runCount());
const tsmpiPaired = (): Measurement[] => tsmpi('--paired');
const zeromqPaired = (): Measurement[] => zeromq('--paired');
for (let pair = 0; pair < pairs; pair++) {
  const [first, second] = pair % 2 === 0 ? [tsmpiPaired, zeromqPaired] : [zeromqPaired, tsmpiPaired];
  raw.push(...first(), ...second());
}
const records = summarizeRuns(raw);

const IMPLS = ['tsmpi', 'zeromq.js', 'Open MPI shm', 'Open MPI tcp'];
const runs = records[0]?.runs ?? 0;
console.log(`point-to-point, 2 ranks on one machine (tsmpi and zeromq.js over ipc), median of ${runs} run${runs === 1 ? '' : 's'}, ${new Date().toISOString().slice(0, 10)}`);
console.log(['measurement'.padEnd(26), 'bytes'.padStart(8), ...IMPLS.map((i) => i.padStart(13)), 'tsmpi/zmq'.padStart(10), 'tsmpi/ompi-tcp'.padStart(15)].join(' '));
for (const r of records.filter((m) => m.impl === 'tsmpi')) {
  const cells = IMPLS.map((impl) => {
    const m = find(records, r.bench, impl, 2, r.size);
    return (m === undefined ? '-' : `${m.value.toFixed(m.value < 10 ? 2 : 1)} ${m.unit}`).padStart(13);
  });
  const ratio = (impl: string): string => {
    const other = find(records, r.bench, impl, 2, r.size);
    return other === undefined ? '-' : (r.value / other.value).toFixed(2);
  };
  console.log([r.bench.padEnd(26), String(r.size).padStart(8), ...cells, ratio('zeromq.js').padStart(10), ratio('Open MPI tcp').padStart(15)].join(' '));
}
// What every message between processes pays the kernel here; zeromq.js (and so tsmpi) pays
// about 34 system calls and 3 wake-ups per message (docs/performance.md).
const costs = osCostsLine(records);
if (costs !== undefined) console.log(costs);
writeJsonIfAsked(records);
