/**
 * The cost of --encrypt, measured by the rank side of benchmarks/encryption.ts: latency of 8-byte
 * messages (half a ping-pong round trip) and bandwidth of 1 MiB messages (a window of 64 isends,
 * then a 4-byte ack, as osu_bw), each repeated REPEATS times; prints the median of each as one
 * JSON record on rank 0. `impl` names the run (tcp, or tcp --encrypt), given as the argument.
 *
 *   tsmpiexec --launcher local --host a:1,b:1 [--encrypt] benchmarks/encryption-rank.ts IMPL [--quick]
 */
import { init, finalize, waitAll } from 'tsmpi';

const impl = process.argv[2] ?? 'tsmpi';
const quick = process.argv.includes('--quick');
const REPEATS = quick ? 3 : 7;
const LATENCY_ITERATIONS = quick ? 500 : 5000;
const BANDWIDTH_LOOPS = quick ? 3 : 20;
const WINDOW = 64;

const comm = await init();
if (comm.size !== 2) throw new Error('the encryption benchmark needs exactly 2 ranks');
const peer = 1 - comm.rank;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const record = (bench: string, size: number, value: number, unit: string): void => {
  if (comm.rank === 0) console.log(JSON.stringify({ bench, impl, np: 2, size, value, unit }));
};

async function latency(size: number): Promise<number> {
  const payload = new Uint8Array(size);
  const warmup = LATENCY_ITERATIONS / 10;
  let start = 0;
  for (let i = 0; i < warmup + LATENCY_ITERATIONS; i++) {
    if (i === warmup) start = performance.now();
    if (comm.rank === 0) {
      await comm.send(payload, peer);
      await comm.recv(peer);
    } else {
      await comm.recv(peer);
      await comm.send(payload, peer);
    }
  }
  return ((performance.now() - start) * 1000) / (2 * LATENCY_ITERATIONS);
}

async function bandwidth(size: number): Promise<number> {
  const payload = new Uint8Array(size);
  let start = 0;
  for (let i = 0; i < 1 + BANDWIDTH_LOOPS; i++) {
    if (i === 1) start = performance.now();
    const requests = [];
    for (let w = 0; w < WINDOW; w++) requests.push(comm.rank === 0 ? comm.isend(payload, peer, 1) : comm.irecv(peer, 1));
    await waitAll(requests as never[]);
    if (comm.rank === 0) await comm.recv(peer, 2);
    else await comm.send(new Uint8Array(4), peer, 2);
  }
  return (size * WINDOW * BANDWIDTH_LOOPS) / ((performance.now() - start) / 1000) / 1e6;
}

const latencies: number[] = [];
for (let r = 0; r < REPEATS; r++) latencies.push(await latency(8));
record('latency', 8, median(latencies), 'us');
const bandwidths: number[] = [];
for (let r = 0; r < REPEATS; r++) bandwidths.push(await bandwidth(1 << 20));
record('bandwidth', 1 << 20, median(bandwidths), 'MB/s');
await finalize();
