/**
 * The floor of tsmpi's transport: the same OSU latency and bandwidth loops on raw zeromq.js
 * PUSH/PULL sockets over ipc between two processes, with no runtime around them. Prints one
 * JSON record per measurement from the parent. With `--paired`, measures only the 8-byte latency
 * of a paired run (p2p.ts), as bench 'latency, paired'.
 *
 *   node --import tsx benchmarks/p2p-zeromq.ts [--quick] [--paired]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pull, Push } from 'zeromq';
import { bandwidthLoops, jobWarmupRoundTrips, latencyIterations, pairedLatencyIterations, PAIRED_LATENCY_SIZE, pointToPointSizes, WINDOW } from './lib/osu-parameters.js';

const quick = process.argv.includes('--quick');
const paired = process.argv.includes('--paired');
const childIndex = process.argv.indexOf('--child');
const pull = new Pull();
const push = new Push();

/** Binds this side's PULL socket as `self` in `dir` and connects the PUSH socket to `other`. */
async function connect(dir: string, self: string, other: string): Promise<void> {
  await pull.bind(`ipc://${join(dir, self)}`);
  push.connect(`ipc://${join(dir, other)}`);
}

if (childIndex > 0) {
  // A parent that dies without sending 'stop' would leave this echo waiting forever.
  const orphaned = (): never => process.exit(1);
  process.on('disconnect', orphaned);
  await connect(process.argv[childIndex + 1] as string, 'b', 'a');
  // Echo for latency; for bandwidth, count a window and answer with a 4-byte ack.
  for (;;) {
    const [kind, body] = await pull.receive();
    const mode = kind?.toString();
    if (mode === 'stop') break;
    if (mode === 'ping') await push.send(['pong', body as Buffer]);
    if (mode === 'window') {
      for (let w = 1; w < WINDOW; w++) await pull.receive();
      await push.send(['ack', Buffer.alloc(4)]);
    }
  }
  // A 'disconnect' listener keeps the IPC channel, and so this process, alive.
  process.off('disconnect', orphaned);
  pull.close();
  push.close();
} else {
  const dir = mkdtempSync(join(tmpdir(), 'tsmpi-zmq-bench-'));
  const peer = fork(fileURLToPath(import.meta.url), ['--child', dir, ...(quick ? ['--quick'] : [])], { execArgv: process.execArgv });
  try {
    await connect(dir, 'a', 'b');
    const record = (bench: string, size: number, value: number, unit: string): void =>
      console.log(JSON.stringify({ bench, impl: 'zeromq.js', np: 2, size, value, unit }));
    /** Half a ping-pong round trip of `size` bytes in µs, timed after `warmup` round trips. */
    const latency = async (size: number, warmup: number, iterations: number): Promise<number> => {
      const body = Buffer.alloc(size);
      let start = 0;
      for (let i = 0; i < warmup + iterations; i++) {
        if (i === warmup) start = performance.now();
        await push.send(['ping', body]);
        await pull.receive();
      }
      return ((performance.now() - start) * 1000) / (2 * iterations);
    };
    if (paired) {
      record('latency, paired', PAIRED_LATENCY_SIZE, await latency(PAIRED_LATENCY_SIZE, ...pairedLatencyIterations(quick)), 'us');
    } else {
      if (jobWarmupRoundTrips(quick) > 0) await latency(1, 0, jobWarmupRoundTrips(quick));
      for (const size of pointToPointSizes(quick)) record('latency', size, await latency(size, ...latencyIterations(size, quick)), 'us');
      await measureBandwidth(record);
    }
    await push.send(['stop', Buffer.alloc(0)]);
    await new Promise((resolve) => peer.once('exit', resolve));
  } finally {
    // After a failure here the echo would wait forever; after 'stop' it has exited and this does nothing.
    peer.kill();
    pull.close();
    push.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** osu_bw's loop at every size: windows of {@link WINDOW} sends, each closed by the echo's 4-byte ack. */
async function measureBandwidth(record: (bench: string, size: number, value: number, unit: string) => void): Promise<void> {
  for (const size of pointToPointSizes(quick)) {
    const body = Buffer.alloc(size);
    const [skip, loops] = bandwidthLoops(size, quick);
    let start = 0;
    for (let i = 0; i < skip + loops; i++) {
      if (i === skip) start = performance.now();
      for (let w = 0; w < WINDOW; w++) await push.send(['window', body]);
      await pull.receive();
    }
    record('bandwidth', size, (size * WINDOW * loops) / ((performance.now() - start) / 1000) / 1e6, 'MB/s');
  }
}
