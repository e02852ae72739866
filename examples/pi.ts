/**
 * Monte Carlo estimate of pi: every rank throws its share of random darts at the unit square,
 * counts those inside the quarter circle, and the counts are summed on rank 0.
 *
 *   npx tsmpiexec -np 2 examples/pi.ts [samples]
 */
import { init, finalize, SUM } from 'tsmpi';

const comm = await init();
const samples = Number(process.argv[2] ?? 20_000_000);
const start = performance.now();

// Each rank takes an equal share (the first ranks one more when it does not divide evenly).
const mine = Math.floor(samples / comm.size) + (comm.rank < samples % comm.size ? 1 : 0);
let inside = 0;
for (let i = 0; i < mine; i++) {
  const x = Math.random();
  const y = Math.random();
  if (x * x + y * y <= 1) inside++;
}

const total = await comm.reduce(inside, SUM, 0);
if (comm.rank === 0) {
  const pi = (4 * (total as number)) / samples;
  const seconds = (performance.now() - start) / 1000;
  console.log(`pi ~ ${pi.toFixed(6)} (error ${Math.abs(pi - Math.PI).toExponential(2)}) from ${samples} samples on ${comm.size} ranks in ${seconds.toFixed(3)} s`);
}
await finalize();
