/**
 * The launcher as a library: `launch({ np, program, args })` runs a job on this machine and
 * resolves with every rank's exit status. tsmpiexec is a thin command line over this.
 */
import type { spawn as nodeSpawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TsmpiError } from '../src/errors.js';
import { JOB_ENV } from '../src/runtime/job-environment.js';
import { CONTROL_FD, LocalAgent } from './agents/local-agent.js';
import type { RankSpec } from './agents/launch-agent.js';
import { availableCores } from './hosts/available-cores.js';
import { Job, type JobResult, type OutputSink, type Timers } from './job/job-supervisor.js';
import { rankCommand } from './job/rank-command.js';

/** Options of {@link launch} and {@link startJob}. */
export interface LaunchOptions {
  /** A .ts/.mts/.cts or .js/.mjs/.cjs file, or any executable (looked up in PATH without a slash). */
  readonly program: string;
  /** Arguments passed to every rank's program. */
  readonly args?: readonly string[];
  /** Number of ranks; defaults to the number of usable cores. */
  readonly np?: number;
  /** Allow more ranks than cores. */
  readonly oversubscribe?: boolean;
  /** Extra environment variables for every rank (what `-x` sets). */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory of the ranks; defaults to the current directory. */
  readonly wdir?: string;
  /** Prefix every output line with `[rank] `. */
  readonly tagOutput?: boolean;
  /** Abort the job after this many seconds. */
  readonly timeoutSeconds?: number;
  /** Seconds between SIGTERM and SIGKILL when stopping ranks (default 3). */
  readonly killGraceSeconds?: number;
  /** Whether rank 0 reads this process's standard input (default 'ignore'). */
  readonly stdin?: 'inherit' | 'ignore';
  /** Where the ranks' standard output goes (default process.stdout). */
  readonly stdout?: OutputSink;
  /** Where the ranks' standard error and tsmpiexec's messages go (default process.stderr). */
  readonly stderr?: OutputSink;
  /** Aborting it stops the job as SIGTERM to tsmpiexec would. */
  readonly signal?: AbortSignal;
  /** Injected for tests. */
  readonly spawn?: typeof nodeSpawn;
  /** Injected for tests. */
  readonly timers?: Timers;
}

const DEFAULT_KILL_GRACE_SECONDS = 3;

/**
 * Starts a job and returns it at once; `job.result` resolves when every rank has ended.
 * @throws TsmpiError ERR_USAGE for invalid options or a missing program; ERR_OVERSUBSCRIBE when
 *   more ranks than cores are asked for without `oversubscribe`
 */
export function startJob(options: LaunchOptions): Job {
  const cwd = resolve(options.wdir ?? process.cwd());
  checkDirectory(cwd);
  const command = rankCommand(options.program, options.args ?? [], process.cwd());
  const cores = availableCores();
  const np = options.np ?? cores;
  if (!Number.isInteger(np) || np < 1) {
    throw new TsmpiError('ERR_USAGE', `the number of ranks must be a whole number of at least 1 (got ${String(options.np)})`);
  }
  if (np > cores && options.oversubscribe !== true) {
    throw new TsmpiError(
      'ERR_OVERSUBSCRIBE',
      `${np} ranks were requested but this machine has ${cores} usable core${cores === 1 ? '' : 's'}; ` +
        'pass --oversubscribe to run more ranks than cores',
    );
  }
  const timeoutSeconds = options.timeoutSeconds;
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) {
    throw new TsmpiError('ERR_USAGE', `the timeout must be a positive number of seconds (got ${String(timeoutSeconds)})`);
  }
  const killGraceSeconds = options.killGraceSeconds ?? DEFAULT_KILL_GRACE_SECONDS;

  const jobId = `${process.pid.toString(36)}-${randomBytes(4).toString('hex')}`;
  const jobDir = makeJobDirectory();
  const agent = new LocalAgent({
    graceSeconds: killGraceSeconds,
    jobDir,
    ...(options.spawn === undefined ? {} : { spawn: options.spawn }),
  });
  const ranks = Array.from({ length: np }, (_, rank) => {
    const spec: RankSpec = {
      rank,
      command: command.command,
      args: command.args,
      cwd,
      env: rankEnvironment({ rank, size: np, localRank: rank, localSize: np, jobId, jobDir, host: agent.host, extra: options.env }),
      stdin: rank === 0 ? (options.stdin ?? 'ignore') : 'ignore',
    };
    return { spec, agent };
  });

  const job = new Job({
    ranks,
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    tagOutput: options.tagOutput ?? false,
    timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
    killGraceMs: killGraceSeconds * 1000,
    onEnd: () => rmSync(jobDir, { recursive: true, force: true }),
    ...(options.timers === undefined ? {} : { timers: options.timers }),
  });
  options.signal?.addEventListener('abort', () => job.interrupt('SIGTERM'), { once: true });
  return job;
}

/**
 * Runs a job to its end and resolves with its exit code and every rank's exit status.
 * Rejects (before starting anything) when the options cannot be run; see {@link startJob}.
 */
export async function launch(options: LaunchOptions): Promise<JobResult> {
  return startJob(options).result;
}

interface RankIdentity {
  readonly rank: number;
  readonly size: number;
  readonly localRank: number;
  readonly localSize: number;
  readonly jobId: string;
  readonly jobDir: string;
  readonly host: string;
  readonly extra: Readonly<Record<string, string>> | undefined;
}

/** The environment of one rank: tsmpiexec's own, what -x adds, and the job's variables. */
function rankEnvironment(identity: RankIdentity): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...identity.extra,
    [JOB_ENV.rank]: String(identity.rank),
    [JOB_ENV.size]: String(identity.size),
    [JOB_ENV.localRank]: String(identity.localRank),
    [JOB_ENV.localSize]: String(identity.localSize),
    [JOB_ENV.controlFd]: String(CONTROL_FD),
    [JOB_ENV.jobDir]: identity.jobDir,
    [JOB_ENV.jobId]: identity.jobId,
    [JOB_ENV.host]: identity.host,
    // The names scripts written for Open MPI and MPICH read.
    OMPI_COMM_WORLD_RANK: String(identity.rank),
    OMPI_COMM_WORLD_SIZE: String(identity.size),
    OMPI_COMM_WORLD_LOCAL_RANK: String(identity.localRank),
    OMPI_COMM_WORLD_LOCAL_SIZE: String(identity.localSize),
    PMI_RANK: String(identity.rank),
    PMI_SIZE: String(identity.size),
  };
}

// A Unix socket path holds at most 107 bytes; `<jobDir>/<rank>.sock` must fit for any rank.
const MAX_JOB_DIR_BASE_LENGTH = 80;

/** A private directory for the job's ipc endpoints, in TMPDIR unless its path is too long. */
function makeJobDirectory(): string {
  const base = tmpdir().length <= MAX_JOB_DIR_BASE_LENGTH ? tmpdir() : '/tmp';
  return mkdtempSync(join(base, 'tsmpi-'));
}

function checkDirectory(dir: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDirectory) throw new TsmpiError('ERR_USAGE', `working directory ${dir} does not exist or is not a directory`);
}
