/**
 * The same program as memory-rank.ts without tsmpi: the baseline a rank's peak memory is
 * compared with.
 *
 *   node --import tsx benchmarks/memory-bare.ts
 */
import { reportPeakRss, work } from './memory-work.js';

work(1_000_000);
reportPeakRss('same program without tsmpi', 1);
