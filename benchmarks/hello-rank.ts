/**
 * The start-up benchmark's program (benchmarks/startup.ts): each rank says who it is, as
 * examples/hello.ts and the mpi4py hello.py do.
 */
import { init, finalize } from 'tsmpi';

const comm = await init();
console.log(`I am rank ${comm.rank} in group of ${comm.size} processes.`);
await finalize();
