/**
 * The start-up floor for benchmarks/startup.ts: one Node process that starts N bare Node
 * processes and waits for them, which is what any launcher of Node ranks does at the least.
 * Plain JavaScript, so that no loader runs.  node benchmarks/bare-node-launcher.mjs N
 */
import { spawn } from 'node:child_process';

const count = Number(process.argv[2] ?? 4);
await Promise.all(
  Array.from({ length: count }, () => new Promise((done) => spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).on('exit', done))),
);
