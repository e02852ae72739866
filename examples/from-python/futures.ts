/**
 * concurrent.futures: submit() one call at a time, then take the results with asCompleted() in
 * the order they finish, not the order they were submitted.
 *
 *   npx tsmpiexec --oversubscribe -np 4 examples/from-python/futures.ts [seconds...]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { init, finalize, openPool, asCompleted } from 'tsmpi';

async function simulate(seconds: number): Promise<string> {
  await sleep(seconds * 1000); // stands for a computation of that length
  return `simulate(${seconds}) on rank ${process.env.TSMPI_RANK}`;
}

const durations = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [0.4, 0.1, 0.25];
const comm = await init();
const pool = await openPool(comm, { functions: { simulate } });
if (pool !== undefined) {
  const futures = durations.map((seconds) => pool.submit(simulate, seconds));
  for await (const result of asCompleted(futures)) console.log(`finished: ${result}`);
  await pool.close();
}
await finalize();
