/**
 * A multiprocessing.Queue task farm with send/recv: rank 0 is the producer and holds the work;
 * every other rank is a consumer that asks rank 0 for an item, works on it, and sends the result
 * with its next request. null plays the part of Python's None sentinel: no more work.
 *
 *   npx tsmpiexec --oversubscribe -np 3 examples/from-python/queue-farm.ts [items]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { init, finalize, ANY_SOURCE, Status } from 'tsmpi';

async function analyse(item: number): Promise<number> {
  await sleep(5); // stands for real work
  return item * item;
}

type Done = [item: number, result: number] | null;

const items = Number(process.argv[2] ?? 20);
const comm = await init();
if (comm.rank === 0) {
  // The producer: whoever asks next gets the next item, so faster consumers get more.
  const results = new Map<number, number>();
  const doneBy = new Map<number, number>();
  const status = new Status();
  let next = 0;
  let stopped = 0;
  while (stopped < comm.size - 1) {
    const done = await comm.recv<Done>(ANY_SOURCE, 0, status);
    if (done !== null) {
      results.set(done[0], done[1]);
      doneBy.set(status.source, (doneBy.get(status.source) ?? 0) + 1);
    }
    if (next < items) {
      await comm.send(next++, status.source);
    } else {
      await comm.send(null, status.source);
      stopped++;
    }
  }
  const total = [...results.values()].reduce((a, b) => a + b, 0);
  console.log(`${results.size} results, sum ${total}`);
  for (const [rank, count] of [...doneBy].sort(([a], [b]) => a - b)) console.log(`consumer ${rank} did ${count} items`);
} else {
  // A consumer: the first request carries no result.
  let done: Done = null;
  for (;;) {
    await comm.send(done, 0);
    const item = await comm.recv<number | null>(0);
    if (item === null) break;
    done = [item, await analyse(item)];
  }
}
await finalize();
