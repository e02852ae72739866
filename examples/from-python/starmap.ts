/**
 * multiprocessing.Pool.starmap under tsmpiexec: a function of two parameters, called for every
 * pair of a parameter grid (what itertools.product builds in Python).
 *
 *   npx tsmpiexec --oversubscribe -np 3 examples/from-python/starmap.ts [temperatures]
 */
import { init, finalize, openPool } from 'tsmpi';

function simulate(temperature: number, pressure: number): number {
  // Stands for a long computation.
  return temperature * pressure;
}

const count = Number(process.argv[2] ?? 3);
const comm = await init();
const pool = await openPool(comm, { functions: { simulate } });
if (pool !== undefined) {
  const temperatures = Array.from({ length: count }, (_, i) => 250 + 50 * i);
  const pressures = [1, 2];
  const grid = temperatures.flatMap((t) => pressures.map((p): [number, number] => [t, p]));
  const results = await pool.starmap(simulate, grid);
  grid.forEach(([t, p], i) => console.log(`T=${t} p=${p}: ${results[i]}`));
  await pool.close();
}
await finalize();
