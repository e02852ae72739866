/**
 * The performance targets of issue #6, each computed as a ratio of two figures of the same run
 * (docs/performance.md states them and where each stands).
 */
import { find, type Measurement } from './records.js';

/** One target: the ratio measured, the bound, and whether it holds. */
export interface TargetResult {
  readonly name: string;
  readonly ratio: number | undefined;
  readonly bound: string;
  readonly met: boolean | undefined;
  /** What the ratio is made of, or why it could not be computed. */
  readonly detail: string;
}

const MIB = 1 << 20;

/** The bound a target's ratio must keep: at most or at least a limit. */
type Bound = { readonly atMost: number } | { readonly atLeast: number };

/** A bound as printed: "<= 1.10", ">= 0.90", "<= 4". */
function describe(bound: Bound): string {
  const [sign, limit] = 'atMost' in bound ? ['<=', bound.atMost] : ['>=', bound.atLeast];
  return `${sign} ${Number.isInteger(limit) ? limit : limit.toFixed(2)}`;
}

/** Evaluates every target that the records allow. */
export function evaluateTargets(records: readonly Measurement[]): TargetResult[] {
  const results: TargetResult[] = [];
  const ratio = (name: string, bound: Bound, a: Measurement | undefined, b: Measurement | undefined, what: string): void => {
    if (a === undefined || b === undefined) {
      results.push({ name, ratio: undefined, bound: describe(bound), met: undefined, detail: `not measured (${what})` });
      return;
    }
    const value = a.value / b.value;
    const met = 'atMost' in bound ? value <= bound.atMost : value >= bound.atLeast;
    results.push({ name, ratio: value, bound: describe(bound), met, detail: `${what}: ${a.value.toFixed(1)} / ${b.value.toFixed(1)} ${a.unit}` });
  };
  const latency8 = find(records, 'latency', 'tsmpi', 2, 8);
  // The paired runs (p2p.ts) measure both seconds apart; the suite's rows a whole suite apart.
  const paired = find(records, 'latency, paired', 'tsmpi', 2, 8) !== undefined;
  const latencyBench = paired ? 'latency, paired' : 'latency';
  ratio('8-byte latency vs raw zeromq.js', { atMost: 1.1 }, find(records, latencyBench, 'tsmpi', 2, 8), find(records, latencyBench, 'zeromq.js', 2, 8), `tsmpi / zeromq.js ${latencyBench}, 8 B`);
  for (const size of [MIB, 4 * MIB]) {
    const label = size === MIB ? '1 MiB' : '4 MiB';
    const bandwidth = find(records, 'bandwidth', 'tsmpi', 2, size);
    ratio(`${label} Float64Array bandwidth vs raw zeromq.js`, { atLeast: 0.9 }, bandwidth, find(records, 'bandwidth', 'zeromq.js', 2, size), `tsmpi / zeromq.js bandwidth, ${label}`);
    ratio(`${label} Float64Array bandwidth vs Open MPI tcp`, { atLeast: 0.8 }, bandwidth, find(records, 'bandwidth', 'Open MPI tcp', 2, size), `tsmpi / Open MPI tcp bandwidth, ${label}`);
  }
  for (const op of ['bcast', 'allreduce']) {
    ratio(`8-byte ${op} at np 8 vs tsmpi p2p latency`, { atMost: 4 }, find(records, op, 'tsmpi', 8, 8), latency8, `${op} np 8 / p2p latency, 8 B`);
  }
  ratio(
    '1 MiB allreduce at np 4 vs a 1 MiB p2p transfer',
    { atMost: 3 },
    find(records, 'allreduce', 'tsmpi', 4, MIB),
    find(records, 'latency', 'tsmpi', 2, MIB),
    'allreduce np 4 / p2p latency, 1 MiB',
  );
  ratio(
    'start-up of -np 4 hello vs mpirun + mpi4py',
    { atMost: 0.6 },
    find(records, 'start-up and shut-down', 'tsmpi', 4, 0),
    find(records, 'start-up and shut-down', 'mpi4py (mpirun python3)', 4, 0),
    'tsmpiexec -np 4 / mpirun -np 4 python3, wall',
  );
  ratio(
    'rank peak RSS vs the same program without tsmpi',
    { atMost: 1.3 },
    find(records, 'peak RSS per process', 'tsmpi rank', 2, 0),
    find(records, 'peak RSS per process', 'same program without tsmpi', 2, 0),
    'peak RSS',
  );
  return results;
}
