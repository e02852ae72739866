/**
 * Printing without a multiprocessing.Lock: tsmpiexec forwards each rank's output a whole line at
 * a time, so lines of different ranks never mix, even long ones. Their order is the order in
 * which they arrive; to print in rank order, take turns with a barrier.
 *
 *   npx tsmpiexec --oversubscribe -np 3 --tag-output examples/from-python/ordered-print.ts [width]
 */
import { init, finalize } from 'tsmpi';

const width = Number(process.argv[2] ?? 5000);
const comm = await init();

// Any order, never mixed: each of these long lines arrives whole.
console.log(`rank ${comm.rank} long line: ${String(comm.rank).repeat(width)}`);

// Rank order: rank r prints in turn r; everyone waits at the barrier after each turn.
for (let turn = 0; turn < comm.size; turn++) {
  if (turn === comm.rank) console.log(`rank ${comm.rank} of ${comm.size}, in turn`);
  await comm.barrier();
}
await finalize();
