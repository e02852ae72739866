/**
 * multiprocessing.Pool.imap and imap_unordered under tsmpiexec: the inputs come from a
 * generator (here an async one, as the lines of a file or rows of a database would), in chunks
 * of 4, and the results are taken one by one as they arrive.
 *
 *   npx tsmpiexec --oversubscribe -np 3 examples/from-python/imap.ts [count]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { init, finalize, openPool } from 'tsmpi';

async function analyse(reading: number): Promise<number> {
  // The first reading takes long, so that imapUnordered visibly does not wait for it.
  if (reading === 0) await sleep(200);
  return reading * reading;
}

async function* readings(count: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) yield i;
}

const count = Number(process.argv[2] ?? 20);
const comm = await init();
const pool = await openPool(comm, { functions: { analyse } });
if (pool !== undefined) {
  const ordered: number[] = [];
  for await (const result of pool.imap(analyse, readings(count), { chunksize: 4 })) ordered.push(result);
  console.log(`imap:           ${ordered.join(' ')}`);

  const unordered: number[] = [];
  for await (const result of pool.imapUnordered(analyse, readings(count), { chunksize: 4 })) unordered.push(result);
  console.log(`imap_unordered: ${unordered.join(' ')}`);
  await pool.close();
}
await finalize();
