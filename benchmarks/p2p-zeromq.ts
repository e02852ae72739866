/**
 * The floor of tsmpi's transport: the same OSU latency and bandwidth loops on raw zeromq.js
 * PUSH/PULL sockets over ipc between two processes, with no runtime around them. Prints one
 * JSON record per measurement from the parent.
 *
 *   node --import tsx benchmarks/p2p-zeromq.ts [--quick]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pull, Push } from 'zeromq';

const quick = process.argv.includes('--quick');
const child = process.argv.includes('--child');
const dir = child ? (process.argv[process.argv.indexOf('--child') + 1] as string) : mkdtempSync(join(tmpdir(), 'tsmpi-zmq-bench-'));
const sizes = quick ? [8, 1024, 65536, 1 << 20, 1 << 22] : Array.from({ length: 23 }, (_, i) => 2 ** i);
const iterationsFor = (size: number): [number, number] => (quick ? (size > 8192 ? [2, 20] : [20, 500]) : size > 8192 ? [10, 1000] : [100, 10000]);
const WINDOW = 64;

const pull = new Pull();
const push = new Push();
await pull.bind(`ipc://${join(dir, child ? 'b' : 'a')}`);
push.connect(`ipc://${join(dir, child ? 'a' : 'b')}`);

if (child) {
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
  pull.close();
  push.close();
} else {
  const peer = fork(new URL(import.meta.url).pathname, ['--child', dir, ...(quick ? ['--quick'] : [])], { execArgv: process.execArgv });
  const record = (bench: string, size: number, value: number, unit: string): void =>
    console.log(JSON.stringify({ bench, impl: 'zeromq.js', np: 2, size, value, unit }));
  for (const size of sizes) {
    const body = Buffer.alloc(size);
    const [warmup, iterations] = iterationsFor(size);
    let start = 0;
    for (let i = 0; i < warmup + iterations; i++) {
      if (i === warmup) start = performance.now();
      await push.send(['ping', body]);
      await pull.receive();
    }
    record('latency', size, ((performance.now() - start) * 1000) / (2 * iterations), 'us');
  }
  for (const size of sizes) {
    const body = Buffer.alloc(size);
    const [warmup, iterations] = iterationsFor(size);
    const loops = Math.max(2, Math.floor(iterations / 20));
    const skip = Math.max(1, Math.floor(warmup / 10));
    let start = 0;
    for (let i = 0; i < skip + loops; i++) {
      if (i === skip) start = performance.now();
      for (let w = 0; w < WINDOW; w++) await push.send(['window', body]);
      await pull.receive();
    }
    record('bandwidth', size, (size * WINDOW * loops) / ((performance.now() - start) / 1000) / 1e6, 'MB/s');
  }
  await push.send(['stop', Buffer.alloc(0)]);
  await new Promise((resolve) => peer.once('exit', resolve));
  pull.close();
  push.close();
  rmSync(dir, { recursive: true, force: true });
}
