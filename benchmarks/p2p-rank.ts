/**
 * tsmpi point-to-point, measured as the OSU micro-benchmarks do (see ../shared/ANCHORS.md):
 * latency = half a ping-pong round trip; bandwidth = a window of 64 isends then waitAll, the
 * receiver answering with a 4-byte ack; bibw = both directions at once. Payloads are typed arrays
 * (raw bytes; Float64Array for bandwidth) and, for latency, plain arrays of numbers (through the
 * serializer).
 * Prints one JSON record per measurement on rank 0.
 *
 *   tsmpiexec -np 2 benchmarks/p2p-rank.ts [--quick]
 */
import { init, finalize, waitAll } from 'tsmpi';

const quick = process.argv.includes('--quick');
const comm = await init();
if (comm.size !== 2) throw new Error('the point-to-point benchmark needs exactly 2 ranks');
const peer = 1 - comm.rank;
const sizes = quick ? [8, 1024, 65536, 1 << 20, 1 << 22] : Array.from({ length: 23 }, (_, i) => 2 ** i);
const record = (bench: string, size: number, value: number, unit: string): void => {
  if (comm.rank === 0) console.log(JSON.stringify({ bench, impl: 'tsmpi', np: 2, size, value, unit }));
};
const iterationsFor = (size: number): [warmup: number, iterations: number] =>
  quick ? (size > 8192 ? [2, 20] : [20, 500]) : size > 8192 ? [10, 1000] : [100, 10000];

async function latency(payload: unknown, size: number): Promise<number> {
  const [warmup, iterations] = iterationsFor(size);
  let start = 0;
  for (let i = 0; i < warmup + iterations; i++) {
    if (i === warmup) start = performance.now();
    if (comm.rank === 0) {
      await comm.send(payload, peer);
      await comm.recv(peer);
    } else {
      await comm.recv(peer);
      await comm.send(payload, peer);
    }
  }
  return ((performance.now() - start) * 1000) / (2 * iterations);
}

const WINDOW = 64;
async function bandwidth(payload: Uint8Array | Float64Array, both: boolean): Promise<number> {
  const [warmup, iterations] = iterationsFor(payload.byteLength);
  const loops = Math.max(2, Math.floor(iterations / 20));
  let start = 0;
  for (let i = 0; i < Math.max(1, Math.floor(warmup / 10)) + loops; i++) {
    if (i === Math.max(1, Math.floor(warmup / 10))) start = performance.now();
    const sending = comm.rank === 0 || both;
    const requests = [];
    for (let w = 0; w < WINDOW; w++) {
      if (sending) requests.push(comm.isend(payload, peer, 1));
      if (comm.rank === 1 || both) requests.push(comm.irecv(peer, 1));
    }
    await waitAll(requests as never[]);
    // The receiver's 4-byte ack closes the window, as in osu_bw.
    if (comm.rank === 0) await comm.recv(peer, 2);
    else await comm.send(new Uint8Array(4), peer, 2);
  }
  const seconds = (performance.now() - start) / 1000;
  return (payload.byteLength * WINDOW * loops * (both ? 2 : 1)) / seconds / 1e6;
}

for (const size of sizes) record('latency', size, await latency(new Uint8Array(size), size), 'us');
for (const size of sizes.filter((s) => s >= 8 && s <= 65536)) {
  record('latency, array of numbers', size, await latency(Array.from({ length: size / 8 }, (_, i) => i * 0.5), size), 'us');
}
// Bandwidth on Float64Arrays (the scientist's array), raw bytes below one element.
const arrayOf = (size: number): Uint8Array | Float64Array => (size >= 8 ? new Float64Array(size / 8) : new Uint8Array(size));
for (const size of sizes) record('bandwidth', size, await bandwidth(arrayOf(size), false), 'MB/s');
for (const size of sizes) record('bidirectional bandwidth', size, await bandwidth(arrayOf(size), true), 'MB/s');
await finalize();
