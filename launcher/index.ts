/**
 * The tsmpi launcher as a library: start jobs from a TypeScript program.
 *
 * @example
 * ```ts
 * import { launch } from 'tsmpi/launcher';
 * const result = await launch({ np: 4, program: 'worker.ts' });
 * console.log(result.exitCode, result.ranks.map((r) => r.code));
 * ```
 * @packageDocumentation
 */
export { launch, startJob, type LaunchOptions } from './launch.js';
export { Job, TIMEOUT_EXIT_CODE, type JobResult, type RankExit, type JobEndReason, type OutputSink, type Timers } from './job/job-supervisor.js';
export { availableCores } from '../src/runtime/available-cores.js';
export { createPool, type CreatePoolOptions } from './pool/create-pool.js';
