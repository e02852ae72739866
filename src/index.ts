/**
 * tsmpi: MPI-style message passing for TypeScript. A program calls init() to get COMM_WORLD, then
 * exchanges values with the other ranks of its job.
 *
 * @example
 * ```ts
 * import { init, finalize } from 'tsmpi';
 * const comm = await init();
 * console.log(`I am rank ${comm.rank} in group of ${comm.size} processes.`);
 * await finalize();
 * ```
 * @packageDocumentation
 */
export { init, finalize, isInitialized, isFinalized } from './runtime/world.js';
export { Comm, ANY_SOURCE, ANY_TAG, PROC_NULL, TAG_UB, UNDEFINED } from './comm/communicator.js';
export { Op, isOp, SUM, PROD, MIN, MAX, LAND, LOR, LXOR, BAND, BOR, BXOR, MINLOC, MAXLOC, type OpOptions } from './collectives/reduce-op.js';
export type { RawArray } from './codec/typed-array-kinds.js';
export { openPool, type PoolOptions } from './pool/open-pool.js';
export { Pool, asCompleted, type MapOptions } from './pool/pool.js';
export { RemoteTaskError } from './pool/remote-task-error.js';
export type { Progress, ProgressOption } from './pool/progress.js';
export type { TaskFunction } from './pool/task-registry.js';
export { Status } from './comm/status.js';
export { trace } from './observe/trace.js';
export { Request, waitAll, waitAny, testAll } from './comm/request.js';
export { TsmpiError, isTsmpiError, TSMPI_ERROR_CODES, type TsmpiErrorCode } from './errors.js';
