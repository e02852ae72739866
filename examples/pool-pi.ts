/**
 * Monte Carlo pi as a task farm, the way multiprocessing users write it with Pool.map: the
 * samples are cut into tasks, rank 0 hands them out to the other ranks as they become free, and
 * sums the counts.
 *
 *   npx tsmpiexec -np 3 examples/pool-pi.ts [samples] [tasks]
 *
 * Python equivalent:
 *   with Pool() as pool:
 *       inside = sum(pool.map(count_inside, [samples // tasks] * tasks))
 */
import { init, finalize, openPool } from 'tsmpi';

/** Throws `n` darts at the unit square; counts those inside the quarter circle. */
function countInside(n: number): number {
  let inside = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.random();
    const y = Math.random();
    if (x * x + y * y <= 1) inside++;
  }
  return inside;
}

const samples = Number(process.argv[2] ?? 20_000_000);
const tasks = Number(process.argv[3] ?? 20);
const comm = await init();
// Every rank registers the same functions; only rank 0 gets a pool, the others serve tasks.
const pool = await openPool(comm, { functions: { countInside } });
if (pool !== undefined) {
  const start = performance.now();
  const perTask = Array.from({ length: tasks }, (_, i) => Math.floor(samples / tasks) + (i < samples % tasks ? 1 : 0));
  const counts = await pool.map(countInside, perTask);
  const pi = (4 * counts.reduce((a, b) => a + b, 0)) / samples;
  console.log(`pi ~ ${pi.toFixed(6)} from ${samples} samples in ${tasks} tasks on ${pool.workers} workers in ${((performance.now() - start) / 1000).toFixed(3)} s`);
  await pool.close();
}
await finalize();
