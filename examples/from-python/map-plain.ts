/**
 * multiprocessing.Pool.map in an ordinary program, without tsmpiexec: createPool() starts the
 * worker processes, which run the exported functions of simulations.ts.
 *
 *   node --import tsx examples/from-python/map-plain.ts [count] [workers]
 */
import { createPool } from 'tsmpi/launcher';
import { simulate } from './simulations.js';

const count = Number(process.argv[2] ?? 8);
const workers = Number(process.argv[3] ?? 2);
const temperatures = Array.from({ length: count }, (_, i) => 250 + 10 * i);
{
  // `await using` closes the pool (and waits for its workers to exit) at the end of the block.
  await using pool = await createPool({ module: new URL('./simulations.ts', import.meta.url), workers });
  const results = await pool.map(simulate, temperatures);
  console.log(`${pool.workers} workers: ${results.join(' ')}`);
}
console.log('pool closed');
