/**
 * The tsmpi side of benchmarks/pools.ts: the same three measurements as pools-python.py, with a
 * pool over the ranks of a job (rank 0 hands out work, the others run it).
 */
import { init, finalize, openPool } from 'tsmpi';

const square = (x: number): number => x * x;
function countInside(n: number): number {
  let inside = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.random();
    const y = Math.random();
    if (x * x + y * y <= 1) inside++;
  }
  return inside;
}

const quick = process.argv.includes('--quick');
const comm = await init();
const pool = await openPool(comm, { functions: { square, countInside } });
if (pool !== undefined) {
  const record = (bench: string, value: number, unit: string): void =>
    console.log(JSON.stringify({ bench, impl: 'tsmpi', np: pool.workers, size: 0, value, unit }));
  const tiny = quick ? 20_000 : 200_000;
  const imapItems = quick ? 2_000 : 20_000;
  const samples = quick ? 2_000_000 : 20_000_000;
  // Inputs are built before the clock starts: only the pool's work is timed.
  const tinyInputs = Array.from({ length: tiny }, (_, i) => i);
  const imapInputs = Array.from({ length: imapItems }, (_, i) => i);
  const sampleShares = Array.from({ length: 20 }, () => samples / 20);
  let start = performance.now();
  await pool.map(square, tinyInputs);
  record('tiny tasks, default chunks', tiny / ((performance.now() - start) / 1000), 'tasks/s');
  start = performance.now();
  for await (const _ of pool.imap(square, imapInputs, { chunksize: 1 })) {
    // Results are consumed as they stream in.
  }
  record('tiny tasks, chunksize 1', imapItems / ((performance.now() - start) / 1000), 'tasks/s');
  start = performance.now();
  countInside(samples);
  const serial = performance.now() - start;
  start = performance.now();
  await pool.map(countInside, sampleShares);
  record('monte carlo pi speed-up', serial / (performance.now() - start), 'x');
  await pool.close();
}
await finalize();
