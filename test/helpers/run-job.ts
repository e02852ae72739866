/**
 * Runs a tsmpiexec job to its end while following its processes on every node, so that a test
 * can check that nothing of it is left, and so that nothing of it outlives a test that fails while
 * the job runs.
 */
import { startTsmpiexec, type RunningCommand, type RunResult } from './run-tsmpiexec.js';
import { JobProcesses } from './job-processes.js';

/** One job run to its end, with its processes still to be checked. */
export interface JobRun {
  readonly result: RunResult;
  /** Milliseconds since the epoch when tsmpiexec exited. */
  readonly endedAt: number;
  /** When the fault was injected (the start of tsmpiexec when nothing is injected, or the injection says no time). */
  readonly faultAt: number;
  /** The job's processes: check them at once with {@link JobProcesses.assertGone} (which also stops following them). */
  readonly processes: JobProcesses;
}

/** Options for {@link runJob}. */
export interface JobOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The run fails if tsmpiexec lasts longer (milliseconds; 60 s by default). */
  readonly timeoutMs?: number;
  /** When the run fails: how long the job's processes get to end after tsmpiexec is killed (10 s by default). */
  readonly cleanUpMs?: number;
}

/**
 * Runs tsmpiexec with `args` to its end; `inject` (if any) gets the job once it runs and may
 * return the time of the fault. When it fails before the end (the injection, an assertion in it,
 * or the job's own time limit), tsmpiexec is killed and the job's processes are cleaned up (those
 * left after `cleanUpMs` are killed) before the error is passed on.
 */
export async function runJob(
  args: readonly string[],
  inject?: (run: RunningCommand, processes: JobProcesses) => Promise<number | void>,
  options: JobOptions = {},
): Promise<JobRun> {
  const startedAt = Date.now();
  const run = startTsmpiexec(args, { timeoutMs: options.timeoutMs ?? 60_000, ...(options.env === undefined ? {} : { env: options.env }) });
  const processes = new JobProcesses(run.child.pid as number, run.marker);
  let endedAt = 0;
  void run.done.then(() => (endedAt = Date.now()), () => {});
  try {
    // A job that ends before the fault could be injected (a shared host in use, a broken set-up)
    // fails the injection's wait for its output, with what it printed.
    const faultAt = (inject === undefined ? undefined : await inject(run, processes)) ?? startedAt;
    const result = await run.done;
    return { result, endedAt, faultAt, processes };
  } catch (error) {
    // The error that brought us here is what the test reports; the clean-up's own is dropped.
    run.child.kill('SIGKILL');
    await processes.assertGone(options.cleanUpMs ?? 10_000).catch(() => {});
    throw error;
  }
}
