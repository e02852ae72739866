/**
 * The data-parallel pattern: rank 0 owns a large array, scatterv gives each rank a piece, every
 * rank works on its piece, and gatherv puts the results back together on rank 0. A small
 * allreduce tells everyone a global figure (here the sum of all results).
 *
 *   npx tsmpiexec -np 2 examples/scatter-gather.ts [elements]
 */
import { init, finalize, SUM } from 'tsmpi';

const comm = await init();
const n = Number(process.argv[2] ?? 1_000_000);

// Only the root needs the data; the others pass undefined.
const data = comm.rank === 0 ? Float64Array.from({ length: n }, (_, i) => i / n) : undefined;
const piece = await comm.scatterv(data);

// The work: any per-element computation (here sin(x)^2).
const result = piece.map((x) => Math.sin(x) ** 2);

const localSum = result.reduce((a, b) => a + b, 0);
const globalSum = await comm.allreduce(localSum, SUM);
const gathered = await comm.gatherv(result, 0);

console.log(`rank ${comm.rank}: worked on ${piece.length} elements; global sum ${globalSum.toFixed(6)}`);
if (comm.rank === 0 && gathered !== undefined) {
  console.log(`rank 0 gathered ${gathered.length} results; first ${gathered[0]?.toFixed(6)}, last ${gathered[gathered.length - 1]?.toFixed(6)}`);
}
await finalize();
