/**
 * The cost of --encrypt, measured by the rank side of benchmarks/encryption.ts: latency of 8-byte
 * messages (half a ping-pong round trip) and bandwidth of 1 MiB messages (a window of 64 isends,
 * then a 4-byte ack, as osu_bw), each repeated REPEATS times; prints the median of each as one
 * JSON record on rank 0. `impl` names the run (tcp, or tcp --encrypt), given as the argument.
 *
 *   tsmpiexec --launcher local --host a:1,b:1 [--encrypt] benchmarks/encryption-rank.ts IMPL [--quick]
 */
import { init, finalize } from 'tsmpi';
import { osuBandwidth, osuLatency } from './lib/osu-point-to-point.js';
import { median } from './lib/records.js';

const impl = process.argv[2] ?? 'tsmpi';
const quick = process.argv.includes('--quick');
const REPEATS = quick ? 3 : 7;
const LATENCY_ITERATIONS = quick ? 500 : 5000;
const BANDWIDTH_LOOPS = quick ? 3 : 20;

const comm = await init();
if (comm.size !== 2) throw new Error('the encryption benchmark needs exactly 2 ranks');

const record = (bench: string, size: number, value: number, unit: string): void => {
  if (comm.rank === 0) console.log(JSON.stringify({ bench, impl, np: 2, size, value, unit }));
};

const latencies: number[] = [];
for (let r = 0; r < REPEATS; r++) latencies.push(await osuLatency(comm, new Uint8Array(8), LATENCY_ITERATIONS / 10, LATENCY_ITERATIONS));
record('latency', 8, median(latencies), 'us');
const bandwidths: number[] = [];
for (let r = 0; r < REPEATS; r++) bandwidths.push(await osuBandwidth(comm, new Uint8Array(1 << 20), 1 << 20, 1, BANDWIDTH_LOOPS));
record('bandwidth', 1 << 20, median(bandwidths), 'MB/s');
await finalize();
