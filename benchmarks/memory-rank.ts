/**
 * A rank's peak memory with tsmpi: the work of memory-work.ts, one allreduce, one record per rank.
 *
 *   tsmpiexec -np 2 benchmarks/memory-rank.ts
 */
import { init, finalize } from 'tsmpi';
import { reportPeakRss, work } from './memory-work.js';

const comm = await init();
await comm.allreduce(work(1_000_000));
await finalize();
reportPeakRss('tsmpi rank', comm.size);
