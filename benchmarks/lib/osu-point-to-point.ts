/**
 * The OSU point-to-point loops (docs/performance.md, "How each figure is defined") between ranks 0 and 1 of a
 * communicator, shared by the rank programs that measure tsmpi (p2p-rank.ts, encryption-rank.ts).
 */
import { waitAll, type Comm } from 'tsmpi';

type RawArray = Parameters<Comm['recvInto']>[0];
import { WINDOW } from './osu-parameters.js';

/**
 * Latency in µs: half a ping-pong round trip of `payload`, timed after `warmup` round trips. A
 * binary array is received into a buffer of the same size (`recvInto`), as osu_latency receives
 * into its r_buf; any other value is received with `recv`.
 */
export async function osuLatency(comm: Comm, payload: unknown, warmup: number, iterations: number): Promise<number> {
  const peer = 1 - comm.rank;
  const into = ArrayBuffer.isView(payload) ? ((payload as RawArray).slice() as RawArray) : undefined;
  const receive = (): Promise<unknown> => (into === undefined ? comm.recv(peer) : comm.recvInto(into, peer));
  let start = 0;
  for (let i = 0; i < warmup + iterations; i++) {
    if (i === warmup) start = performance.now();
    if (comm.rank === 0) {
      await comm.send(payload, peer);
      await receive();
    } else {
      await receive();
      await comm.send(payload, peer);
    }
  }
  return ((performance.now() - start) * 1000) / (2 * iterations);
}

/**
 * Bandwidth in MB/s: `loops` windows of {@link WINDOW} isends of `payload`, `bytes` bytes each
 * (from both ranks at once when `both`, as osu_bibw), each closed by the receiver's 4-byte ack,
 * timed after `skip` windows. The receiver receives every binary array of a window into one
 * buffer (`irecvInto`), as osu_bw does into its r_buf, or with `newArrays` into a new array each
 * (`irecv`); any other value with `irecv`.
 */
export async function osuBandwidth(comm: Comm, payload: unknown, bytes: number, skip: number, loops: number, both = false, newArrays = false): Promise<number> {
  const peer = 1 - comm.rank;
  const into = ArrayBuffer.isView(payload) && !newArrays ? ((payload as RawArray).slice() as RawArray) : undefined;
  let start = 0;
  for (let i = 0; i < skip + loops; i++) {
    if (i === skip) start = performance.now();
    const requests = [];
    for (let w = 0; w < WINDOW; w++) {
      if (comm.rank === 0 || both) requests.push(comm.isend(payload, peer, 1));
      if (comm.rank === 1 || both) requests.push(into === undefined ? comm.irecv(peer, 1) : comm.irecvInto(into, peer, 1));
    }
    await waitAll(requests as never[]);
    // The receiver's 4-byte ack closes the window, as in osu_bw.
    if (comm.rank === 0) await comm.recv(peer, 2);
    else await comm.send(new Uint8Array(4), peer, 2);
  }
  const seconds = (performance.now() - start) / 1000;
  return (bytes * WINDOW * loops * (both ? 2 : 1)) / seconds / 1e6;
}
