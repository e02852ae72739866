/**
 * multiprocessing.Process + start() + join(), as the ranks of one job: tsmpiexec starts the
 * processes, every rank runs work() with its rank as the process index, and gather() waits for
 * all of them (the join) and collects their results on rank 0.
 *
 *   npx tsmpiexec --oversubscribe -np 4 examples/from-python/processes.ts [n]
 */
import { init, finalize } from 'tsmpi';

/** Process `index` of `count` sums its share of 0 .. n-1: index, index + count, ... */
function work(index: number, count: number, n: number): number {
  let sum = 0;
  for (let i = index; i < n; i += count) sum += i;
  return sum;
}

const n = Number(process.argv[2] ?? 1000);
const comm = await init();
const partial = work(comm.rank, comm.size, n);
console.log(`process ${comm.rank} of ${comm.size}: partial sum ${partial}`);
const partials = await comm.gather(partial, 0);
if (partials !== undefined) {
  console.log(`all ${partials.length} processes joined; total ${partials.reduce((a, b) => a + b, 0)}`);
}
await finalize();
