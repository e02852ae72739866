/**
 * createPool(): a pool of worker processes for an ordinary program, no tsmpiexec needed. The
 * workers run the exported functions of a module, on this machine or on the hosts of a hostfile
 * or the current Slurm/PBS allocation; the calling process becomes rank 0 of their job and hands
 * out the work.
 *
 * ```ts
 * await using pool = await createPool({ module: new URL('./work.ts', import.meta.url), workers: 8 });
 * const results = await pool.map('process', items);
 * ```
 */
import { pathToFileURL } from 'node:url';
import { ownModulePath } from '../job/own-module.js';
import { nodeImports } from '../job/rank-command.js';
import { resolve } from 'node:path';
import { TsmpiError } from '../../src/errors.js';
import { joinJob } from '../../src/runtime/join-job.js';
import type { Pool } from '../../src/pool/pool.js';
import { openPool } from '../../src/pool/open-pool.js';
import { exportedFunctions, type TaskFunction } from '../../src/pool/task-registry.js';
import { startJob, type LaunchOptions } from '../launch.js';
import { InProcessAgent } from './in-process-agent.js';

/** Options of {@link createPool}. */
export interface CreatePoolOptions
  extends Pick<LaunchOptions, 'hostfile' | 'host' | 'oversubscribe' | 'mapBy' | 'perNode' | 'launcher' | 'launchAgent' | 'iface' | 'encrypt' | 'env' | 'wdir' | 'stdout' | 'stderr' | 'verbose' | 'environment'> {
  /** The module whose exported functions tasks call: a path, or a file URL. */
  readonly module: string | URL;
  /** Worker processes; default one per slot (on this machine alone: one per usable core). */
  readonly workers?: number;
  /** Chunks each worker holds at once (default 2). */
  readonly inflight?: number;
}

/**
 * Starts the workers and resolves with the pool once they are ready. Closing the pool (also by
 * `await using`) stops every worker and waits for them to exit.
 * @throws TsmpiError ERR_USAGE / ERR_HOSTFILE / ERR_OVERSUBSCRIBE as launch() does
 */
export async function createPool(options: CreatePoolOptions): Promise<Pool> {
  const moduleUrl = options.module instanceof URL ? options.module : pathToFileURL(resolve(options.module));
  const functions = await importFunctions(moduleUrl);
  const agent = new InProcessAgent();
  const worker = ownModulePath(new URL('../../src/programs/pool-worker.js', import.meta.url));
  const job = startJob({
    ...options,
    // Node runs the worker with the options of a rank that runs the module itself (the rank
    // preload, and for a TypeScript module the same loader), as the worker imports the module.
    program: process.execPath,
    args: [...nodeImports(moduleUrl.pathname), worker, moduleUrl.href],
    ...(options.workers === undefined ? {} : { np: options.workers }),
    rankZero: agent,
  });
  const place = agent.place as { size: number; tcpAddress: string | undefined };
  const joining = joinJob(agent, { rank: 0, size: place.size, tcpAddress: place.tcpAddress });
  // A job that fails while we join (a worker cannot start) must not leave the caller waiting.
  const joined = await Promise.race([joining, job.result.then((result) => Promise.reject(new TsmpiError('ERR_JOB', `the pool's workers ended before it was ready (exit code ${result.exitCode}, ${result.reason})`)))]);
  agent.onStop((signal) => joined.messenger.close(new TsmpiError('ERR_JOB', `the pool's job was stopped (${signal}): see the messages above`)));
  const pool = await openPool(joined.world, {
    functions,
    ...(options.inflight === undefined ? {} : { inflight: options.inflight }),
    afterClose: async () => {
      joined.messenger.close(new TsmpiError('ERR_FINALIZED', 'the pool was closed'));
      agent.end(0);
      const result = await job.result;
      if (result.exitCode !== 0) throw new TsmpiError('ERR_JOB', `the pool's workers ended with exit code ${result.exitCode} (${result.reason})`);
    },
  });
  return pool as Pool;
}

async function importFunctions(moduleUrl: URL): Promise<Record<string, TaskFunction>> {
  let module: Record<string, unknown>;
  try {
    module = (await import(moduleUrl.href)) as Record<string, unknown>;
  } catch (error) {
    throw new TsmpiError('ERR_USAGE', `createPool(): cannot import ${moduleUrl.href}: ${(error as Error).message}`, { cause: error });
  }
  return exportedFunctions(module);
}
