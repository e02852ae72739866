/**
 * What the launcher tells a rank through its environment. The names are the contract between
 * launcher/ and src/; launcher/ imports them from here.
 */
import { TsmpiError } from '../errors.js';

/** Environment variables the launcher sets for every rank. */
export const JOB_ENV = {
  rank: 'TSMPI_RANK',
  size: 'TSMPI_SIZE',
  localRank: 'TSMPI_LOCAL_RANK',
  localSize: 'TSMPI_LOCAL_SIZE',
  /** File descriptor of the control channel to the launcher side. */
  controlFd: 'TSMPI_CONTROL_FD',
  /** Directory for this job's ipc endpoints on this node. */
  jobDir: 'TSMPI_JOB_DIR',
  /** Address to bind a tcp endpoint on, for jobs that span nodes. */
  tcpAddress: 'TSMPI_TCP_ADDRESS',
  jobId: 'TSMPI_JOB_ID',
  host: 'TSMPI_HOST',
  /** "1" when tsmpiexec records calls (--trace, --profile). */
  record: 'TSMPI_RECORD',
} as const;

/**
 * Set to `off` (by the user, e.g. with `-x TSMPI_SHARED_MEMORY=off`) to run every collective by
 * messages, even between ranks of one node (docs/collectives.md).
 */
export const SHARED_MEMORY_SWITCH = 'TSMPI_SHARED_MEMORY';

/** The job as this rank sees it. */
export interface JobEnvironment {
  readonly rank: number;
  readonly size: number;
  readonly controlFd: number;
  readonly jobDir: string | undefined;
  readonly tcpAddress: string | undefined;
}

function integerFrom(env: NodeJS.ProcessEnv, name: string, minimum: number): number {
  const text = env[name];
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isInteger(value) || value < minimum) {
    throw new TsmpiError('ERR_JOB', `environment variable ${name}=${String(text)} is not a valid value`);
  }
  return value;
}

/**
 * Reads the job from `env`, or returns undefined when the process was not started by tsmpiexec
 * (it is then a job of one rank).
 * @throws TsmpiError ERR_JOB when the variables are present but inconsistent
 */
export function readJobEnvironment(env: NodeJS.ProcessEnv = process.env): JobEnvironment | undefined {
  if (env[JOB_ENV.controlFd] === undefined) return undefined;
  const size = integerFrom(env, JOB_ENV.size, 1);
  const rank = integerFrom(env, JOB_ENV.rank, 0);
  if (rank >= size) {
    throw new TsmpiError('ERR_JOB', `${JOB_ENV.rank}=${rank} is not below ${JOB_ENV.size}=${size}`);
  }
  return {
    rank,
    size,
    controlFd: integerFrom(env, JOB_ENV.controlFd, 0),
    jobDir: env[JOB_ENV.jobDir] || undefined,
    tcpAddress: env[JOB_ENV.tcpAddress] || undefined,
  };
}
