/**
 * What tsmpiexec does between parsing and exiting: run the job, turn signals into an orderly stop,
 * and return the exit code. The process is passed in so that tests can drive it.
 */
import { readFileSync } from 'node:fs';
import { isTsmpiError } from '../../src/errors.js';
import { startJob } from '../launch.js';
import { parseCommandLine, usage } from './parse-command-line.js';

/** The parts of `process` tsmpiexec uses. */
export interface CliProcess {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** Exit code for a command line that cannot run. */
export const USAGE_EXIT_CODE = 2;

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs tsmpiexec with `argv` and resolves with its exit code. */
export async function tsmpiexecMain(argv: readonly string[], proc: CliProcess): Promise<number> {
  let request;
  try {
    request = await parseCommandLine(argv, proc.env);
  } catch (error) {
    return usageError(error, proc, true);
  }
  if (request.kind === 'help') {
    proc.stdout.write(`${request.text}\n`);
    return 0;
  }
  if (request.kind === 'version') {
    proc.stdout.write(`tsmpiexec (tsmpi) ${packageVersion()}\n`);
    return 0;
  }

  let job;
  try {
    job = startJob({ ...request.options, stdin: 'inherit', stdout: proc.stdout, stderr: proc.stderr });
  } catch (error) {
    return usageError(error, proc, isTsmpiError(error, 'ERR_USAGE'));
  }
  const onSignal = (signal: NodeJS.Signals): void => job.interrupt(signal);
  // SIGUSR1 asks for a deadlock report: what every rank waits in; the job goes on.
  const onReport = (): void => void job.reportStatus();
  for (const signal of FORWARDED_SIGNALS) proc.on(signal, onSignal);
  proc.on('SIGUSR1', onReport);
  try {
    return (await job.result).exitCode;
  } finally {
    for (const signal of FORWARDED_SIGNALS) proc.off(signal, onSignal);
    proc.off('SIGUSR1', onReport);
  }
}

async function usageError(error: unknown, proc: CliProcess, showUsage: boolean): Promise<number> {
  if (!isTsmpiError(error)) throw error;
  proc.stderr.write(`tsmpiexec: ${error.message}\n`);
  if (showUsage) proc.stderr.write(`\n${await usage()}\n`);
  return USAGE_EXIT_CODE;
}

function packageVersion(): string {
  const manifest = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}
