/**
 * The first program of every MPI course: each rank says who it is.
 *
 *   npx tsmpiexec -np 4 examples/hello.ts
 */
import { init, finalize } from 'tsmpi';

const comm = await init();
console.log(`I am rank ${comm.rank} in group of ${comm.size} processes.`);
await finalize();
