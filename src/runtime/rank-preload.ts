/**
 * Loaded by tsmpiexec (`node --import`) before a JavaScript or TypeScript rank program, so that the
 * guard is in place even for a program that fails before, or without, calling init().
 */
import { installRankGuard } from './rank-guard.js';
import { readJobEnvironment } from './job-environment.js';

const job = readJobEnvironment();
if (job !== undefined) installRankGuard(job);
