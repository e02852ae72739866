/**
 * A deliberately unbalanced job, to see load imbalance in a trace or profile: in each of three
 * steps, rank r computes (r + 1) times as long as rank 0, then every rank joins an allreduce.
 * The fast ranks spend most of their time waiting in the allreduce for the slowest one.
 *
 *   npx tsmpiexec -np 4 --trace unbalanced.json --profile examples/unbalanced.ts [work]
 */
import { init, finalize, trace } from 'tsmpi';

const comm = await init();
const work = Number(process.argv[2] ?? 3_000_000);

function compute(iterations: number): number {
  let sum = 0;
  for (let i = 0; i < iterations; i++) sum += Math.sqrt(i);
  return sum;
}

let total = 0;
for (let step = 0; step < 3; step++) {
  const mine = await trace.span(`step ${step} compute`, () => compute(work * (comm.rank + 1)));
  total += await comm.allreduce(mine);
}
if (comm.rank === 0) console.log(`total ${total.toExponential(6)} from ${comm.size} ranks`);
await finalize();
