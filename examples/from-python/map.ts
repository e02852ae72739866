/**
 * multiprocessing.Pool.map under tsmpiexec: rank 0 hands out the temperatures, the other ranks
 * run simulate() on them, and the results come back in input order.
 *
 *   npx tsmpiexec --oversubscribe -np 3 examples/from-python/map.ts [count]
 */
import { init, finalize, openPool } from 'tsmpi';

function simulate(temperature: number): number {
  // Stands for a long computation.
  return temperature * 2;
}

const count = Number(process.argv[2] ?? 8);
const comm = await init();
// Every rank registers the same functions; only rank 0 gets a pool, the others serve tasks.
const pool = await openPool(comm, { functions: { simulate } });
if (pool !== undefined) {
  const temperatures = Array.from({ length: count }, (_, i) => 250 + 10 * i);
  const results = await pool.map(simulate, temperatures);
  console.log(`${pool.workers} workers: ${results.join(' ')}`);
  await pool.close();
}
await finalize();
