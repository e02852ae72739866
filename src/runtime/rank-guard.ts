/**
 * What makes a rank a good citizen of its job even if the program never calls init(): an uncaught
 * exception or unhandled rejection is reported to the launcher (which aborts the job and prints it,
 * naming the rank) and the rank exits; a rank whose launcher vanished exits instead of running on.
 */
import { inspect } from 'node:util';
import { ControlChannel } from './control-channel.js';
import type { JobEnvironment } from './job-environment.js';

const GUARD_KEY = Symbol.for('tsmpi.rankGuard');

interface GuardState {
  readonly rank: number;
  readonly channel: ControlChannel;
  /** Run before a rank dies, to drop what would delay exit (queued messages to dead peers). */
  readonly beforeDeath: (() => void)[];
}

/**
 * Installs the guard once per process (later calls return the same state).
 * @returns the process's control channel
 */
export function installRankGuard(job: JobEnvironment): ControlChannel {
  const slot = globalThis as { [GUARD_KEY]?: GuardState };
  const existing = slot[GUARD_KEY];
  if (existing !== undefined) return existing.channel;
  const state: GuardState = { rank: job.rank, channel: ControlChannel.open(job.controlFd), beforeDeath: [] };
  slot[GUARD_KEY] = state;

  const onUncaught = (error: unknown, origin: NodeJS.UncaughtExceptionOrigin): void => {
    // A program with its own handler has chosen to survive; leave the decision to it.
    if (process.listenerCount('uncaughtException') > 1) return;
    const summary = summarize(error);
    const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : summary;
    const reported = state.channel.sendNow({ type: 'fatal', rank: state.rank, origin, summary, stack });
    if (!reported) process.stderr.write(`${stack}\n`);
    die(state, 1);
  };
  process.on('uncaughtException', onUncaught);

  state.channel.onLost(() => {
    try {
      process.stderr.write(`tsmpi: rank ${state.rank}: tsmpiexec has gone away; exiting\n`);
    } catch {
      // stderr went with the launcher; exiting is all that is left to do.
    }
    die(state, 1);
  });
  return state.channel;
}

/** Registers `hook` to run before the guard ends the process. */
export function beforeRankDeath(hook: () => void): void {
  (globalThis as { [GUARD_KEY]?: GuardState })[GUARD_KEY]?.beforeDeath.push(hook);
}

function die(state: GuardState, code: number): never {
  for (const hook of state.beforeDeath) {
    try {
      hook();
    } catch {
      // Dying anyway: a failing hook must not stop the others or the exit.
    }
  }
  process.exit(code);
}

function summarize(error: unknown): string {
  if (error instanceof Error) {
    const firstLine = typeof error.stack === 'string' ? error.stack.split('\n', 1)[0] : undefined;
    return firstLine !== undefined && firstLine.length > 0 ? firstLine : `${error.name}: ${error.message}`;
  }
  return `Uncaught ${inspect(error)}`;
}
