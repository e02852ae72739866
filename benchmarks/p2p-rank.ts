/**
 * tsmpi point-to-point, measured as the OSU micro-benchmarks do (docs/performance.md, "How each figure is defined"):
 * latency = half a ping-pong round trip; bandwidth = a window of 64 isends then waitAll, the
 * receiver answering with a 4-byte ack; bibw = both directions at once. Binary arrays are received
 * into a buffer (recvInto), as the OSU programs receive into theirs; one more bandwidth row
 * receives each array as a new one (recv). Payloads are typed arrays
 * (raw bytes; Float64Array for bandwidth) and plain arrays of numbers (through the serializer,
 * with fewer round trips and windows above 64 KiB: lib/osu-parameters.ts).
 * Prints one JSON record per measurement on rank 0. With `--paired`, measures only the 8-byte
 * latency of a paired run (p2p.ts), as bench 'latency, paired'.
 *
 *   tsmpiexec -np 2 benchmarks/p2p-rank.ts [--quick] [--paired]
 */
import { init, finalize } from 'tsmpi';
import { osuBandwidth, osuLatency } from './lib/osu-point-to-point.js';
import {
  bandwidthLoops,
  jobWarmupRoundTrips,
  latencyIterations,
  pairedLatencyIterations,
  PAIRED_LATENCY_SIZE,
  plainValueBandwidthLoops,
  plainValueLatencyIterations,
  pointToPointSizes,
} from './lib/osu-parameters.js';

const quick = process.argv.includes('--quick');
const comm = await init();
if (comm.size !== 2) throw new Error('the point-to-point benchmark needs exactly 2 ranks');
const sizes = pointToPointSizes(quick);
const record = (bench: string, size: number, value: number, unit: string): void => {
  if (comm.rank === 0) console.log(JSON.stringify({ bench, impl: 'tsmpi', np: 2, size, value, unit }));
};

const latency = (payload: unknown, size: number): Promise<number> => osuLatency(comm, payload, ...latencyIterations(size, quick));
const bandwidth = (payload: Uint8Array | Float64Array, both: boolean, newArrays = false): Promise<number> =>
  osuBandwidth(comm, payload, payload.byteLength, ...bandwidthLoops(payload.byteLength, quick), both, newArrays);
/** An array of `size / 8` numbers: a plain value of `size` bytes as the program holds it (8 per number), which goes through the serializer. */
const numbers = (size: number): number[] => Array.from({ length: size / 8 }, (_, i) => i * 0.5);

if (process.argv.includes('--paired')) {
  const size = PAIRED_LATENCY_SIZE;
  record('latency, paired', size, await osuLatency(comm, new Uint8Array(size), ...pairedLatencyIterations(quick)), 'us');
} else {
  await measureEverySize();
}
await finalize();

/** The whole suite: latency, bandwidth and bi-directional bandwidth of arrays and of plain values, at every size. */
async function measureEverySize(): Promise<void> {
  const warmup = jobWarmupRoundTrips(quick);
  if (warmup > 0) await osuLatency(comm, new Uint8Array(1), 0, warmup);
  for (const size of sizes) record('latency', size, await latency(new Uint8Array(size), size), 'us');
  for (const size of sizes.filter((s) => s >= 8)) {
    record('latency, array of numbers', size, await osuLatency(comm, numbers(size), ...plainValueLatencyIterations(size, quick)), 'us');
  }
  // Bandwidth on Float64Arrays (the scientist's array), raw bytes below one element.
  const arrayOf = (size: number): Uint8Array | Float64Array => (size >= 8 ? new Float64Array(size / 8) : new Uint8Array(size));
  for (const size of sizes) record('bandwidth', size, await bandwidth(arrayOf(size), false), 'MB/s');
  for (const size of sizes) record('bidirectional bandwidth', size, await bandwidth(arrayOf(size), true), 'MB/s');
  for (const both of [false, true]) {
    const bench = both ? 'bidirectional bandwidth, array of numbers' : 'bandwidth, array of numbers';
    for (const size of sizes.filter((s) => s >= 8)) {
      const loops = plainValueBandwidthLoops(size, quick);
      if (loops !== undefined) record(bench, size, await osuBandwidth(comm, numbers(size), size, ...loops, both), 'MB/s');
    }
  }
  // What a program that receives each array as a new one (recv) gets, for the sizes sent without a copy.
  for (const size of sizes.filter((s) => s >= 65536)) record('bandwidth, into new arrays', size, await bandwidth(arrayOf(size), false, true), 'MB/s');
}
