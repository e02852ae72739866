/**
 * The OSU point-to-point loops (docs/performance.md, "How each figure is defined") between ranks 0 and 1 of a
 * communicator, shared by the rank programs that measure tsmpi (p2p-rank.ts, encryption-rank.ts).
 */
import { waitAll, type Comm } from 'tsmpi';
import { WINDOW } from './osu-parameters.js';

/** Latency in µs: half a ping-pong round trip of `payload`, timed after `warmup` round trips. */
export async function osuLatency(comm: Comm, payload: unknown, warmup: number, iterations: number): Promise<number> {
  const peer = 1 - comm.rank;
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

/**
 * Bandwidth in MB/s: `loops` windows of {@link WINDOW} isends of `payload` (from both ranks at once
 * when `both`, as osu_bibw), each closed by the receiver's 4-byte ack, timed after `skip` windows.
 */
export async function osuBandwidth(comm: Comm, payload: Uint8Array | Float64Array, skip: number, loops: number, both = false): Promise<number> {
  const peer = 1 - comm.rank;
  let start = 0;
  for (let i = 0; i < skip + loops; i++) {
    if (i === skip) start = performance.now();
    const requests = [];
    for (let w = 0; w < WINDOW; w++) {
      if (comm.rank === 0 || both) requests.push(comm.isend(payload, peer, 1));
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
