/**
 * The error a pool task raises at the caller when it failed on a worker: it carries the worker's
 * message and stack, and its rank and host, as mpi4py re-raises a remote exception locally.
 */
import { TsmpiError } from '../errors.js';

/** A task that failed on another rank. */
export class RemoteTaskError extends TsmpiError {
  /** Rank of the worker in the pool's communicator. */
  readonly rank: number;
  readonly host: string;
  /** The error's name on the worker (TypeError, ...). */
  readonly remoteName: string;
  /** The error's stack on the worker. */
  readonly remoteStack: string;

  /**
   * @param callerStack - where the pool call was made (its stack lines), shown under "### Caller"
   */
  constructor(
    task: string,
    worker: { rank: number; size: number; host: string },
    error: { name: string; message: string; stack: string },
    callerStack?: string,
  ) {
    super('ERR_TASK', `${task} failed on rank ${worker.rank} (host ${worker.host}): ${error.name}: ${error.message}`);
    this.name = 'RemoteTaskError';
    this.rank = worker.rank;
    this.host = worker.host;
    this.remoteName = error.name;
    this.remoteStack = error.stack;
    // The stack shows where the task failed, under a header naming the worker (mpi4py's form).
    const caller = callerStack ?? this.stack?.split('\n').slice(1).join('\n') ?? '';
    this.stack = `${this.name}: ${this.message}\n### Worker ${worker.rank} of ${worker.size} on host ${worker.host}\n${error.stack}\n### Caller\n${caller}`;
  }
}
