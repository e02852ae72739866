/**
 * openPool(): every rank of a communicator calls it; the root gets a Pool to hand out work, the
 * other ranks serve tasks inside the call and get undefined when the root closes the pool, as
 * with mpi4py's MPICommExecutor:
 *
 * ```ts
 * const pool = await openPool(comm, { functions: { simulate } });
 * if (pool) {
 *   const results = await pool.map(simulate, parameters);
 *   await pool.close();
 * }
 * ```
 */
import type { Comm } from '../comm/communicator.js';
import { TsmpiError } from '../errors.js';
import { Pool } from './pool.js';
import { serveTasks } from './pool-worker.js';
import { TaskRegistry, type TaskFunction } from './task-registry.js';

/** Options of {@link openPool}. */
export interface PoolOptions {
  /** The functions tasks may call, by name: the same on every rank (functions are never sent). */
  readonly functions: Readonly<Record<string, TaskFunction>>;
  /** The rank that hands out work (default 0). */
  readonly root?: number;
  /** Chunks each worker holds at once, so short tasks do not wait on message latency (default 2). */
  readonly inflight?: number;
  /** @internal Run when the root's pool has closed (createPool waits for its workers here). */
  readonly afterClose?: () => Promise<void>;
}

/**
 * Opens a pool over `comm` (collective: every rank calls it). Resolves on the root with the Pool;
 * on every other rank it serves tasks and resolves with undefined once the root closes the pool.
 */
export async function openPool(comm: Comm, options: PoolOptions): Promise<Pool | undefined> {
  const root = options.root ?? 0;
  const inflight = options.inflight ?? 2;
  if (!Number.isInteger(inflight) || inflight < 1) throw new TsmpiError('ERR_ARG', `openPool(): inflight must be a whole number of at least 1 (got ${String(inflight)})`);
  if (!Number.isInteger(root) || root < 0 || root >= comm.size) {
    throw new TsmpiError('ERR_RANK', `openPool(): root ${String(root)} is out of range for a communicator of size ${comm.size}`);
  }
  const registry = new TaskRegistry(options.functions);
  // The pool's traffic gets a communicator of its own, apart from the program's.
  const poolComm = await comm.dup();
  if (poolComm.rank === root) return new Pool(poolComm, registry, inflight, options.afterClose);
  await serveTasks(poolComm, root, registry);
  poolComm.free();
  return undefined;
}
