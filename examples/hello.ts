/**
 * The first program of every MPI course: each rank says who it is.
 *
 *   npx tsmpiexec -np 2 examples/hello.ts
 *   npx tsmpiexec --oversubscribe -np 4 examples/hello.ts   (more ranks than cores)
 */
import { init, finalize } from 'tsmpi';

const comm = await init();
console.log(`I am rank ${comm.rank} in group of ${comm.size} processes.`);
await finalize();
