/**
 * Starts ranks on this machine as child processes of tsmpiexec. Each rank gets its own session
 * (so a terminal's Ctrl-C reaches tsmpiexec alone, which then stops the ranks in order), pipes for
 * its output, and a control socket on file descriptor 3.
 */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { JOB_ENV } from '../../src/runtime/job-environment.js';
import { ControlLineDecoder, encodeControlLine } from '../../src/protocol/control-framing.js';
import type { LauncherToRank, RankToLauncher } from '../../src/protocol/control-messages.js';
import type { JobCredentials } from '../../src/transport/job-secret.js';
import type { AgentEvents, LaunchAgent, RankSpec, RankTermination } from './launch-agent.js';
import { OrphanWatchdog } from './orphan-watchdog.js';

/** The file descriptor on which a rank finds its control channel. */
export const CONTROL_FD = 3;

/** Options of a {@link LocalAgent}. */
export interface LocalAgentOptions {
  /** Seconds the watchdog waits between SIGTERM and SIGKILL if tsmpiexec dies. */
  readonly graceSeconds: number;
  /** The address ranks bind tcp endpoints on, for jobs that span nodes; none for a one-node job. */
  readonly tcpAddress?: string;
  /** The job's credentials: the first message on every rank's control channel. */
  readonly credentials: JobCredentials;
  /** The node's name in messages (default: this machine's host name). */
  readonly host?: string;
  /** Injected for tests. */
  readonly spawn?: typeof nodeSpawn;
}

// A Unix socket path holds at most 107 bytes; `<jobDir>/<rank>.sock` must fit for any rank.
const MAX_JOB_DIR_BASE_LENGTH = 80;

const SHARED_MEMORY_DIR = '/dev/shm';

/**
 * Where the node's job directory goes: shared memory (/dev/shm) where the machine has it, since
 * the ranks' collectives on one node run through files there (src/collectives/node-board.ts);
 * otherwise the temporary directory.
 */
function jobDirBase(): string {
  try {
    accessSync(SHARED_MEMORY_DIR, constants.W_OK | constants.X_OK);
    if (statSync(SHARED_MEMORY_DIR).isDirectory()) return SHARED_MEMORY_DIR;
  } catch {
    // No shared memory file system: the temporary directory serves.
  }
  return tmpdir().length <= MAX_JOB_DIR_BASE_LENGTH ? tmpdir() : '/tmp';
}

/** A {@link LaunchAgent} for this machine. */
export class LocalAgent implements LaunchAgent {
  readonly host: string;
  /** This node's private directory for the job's ipc endpoints. */
  readonly jobDir: string;
  readonly #spawn: typeof nodeSpawn;
  readonly #watchdog: OrphanWatchdog;
  readonly #nodeEnv: Record<string, string>;
  readonly #children = new Map<number, ChildProcess>();
  readonly #credentials: JobCredentials;

  constructor(options: LocalAgentOptions) {
    this.host = options.host ?? hostname();
    this.#spawn = options.spawn ?? nodeSpawn;
    this.#credentials = options.credentials;
    this.jobDir = mkdtempSync(join(jobDirBase(), 'tsmpi-'));
    this.#watchdog = new OrphanWatchdog(options.graceSeconds, this.jobDir, this.#spawn);
    this.#nodeEnv = {
      [JOB_ENV.controlFd]: String(CONTROL_FD),
      [JOB_ENV.jobDir]: this.jobDir,
      [JOB_ENV.host]: this.host,
      ...(options.tcpAddress === undefined ? {} : { [JOB_ENV.tcpAddress]: options.tcpAddress }),
    };
  }

  start(ranks: readonly RankSpec[], events: AgentEvents): void {
    for (const spec of ranks) this.#startRank(spec, events);
  }

  sendControl(rank: number, message: LauncherToRank): void {
    const child = this.#children.get(rank);
    // A write to a rank that has exited fails with EPIPE, which destroys this end of the socket
    // with the rank's last messages (its call records) still unread in it.
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const control = child.stdio[CONTROL_FD] as Socket | undefined;
    if (control !== undefined && !control.destroyed) control.write(encodeControlLine(message));
  }

  signal(rank: number, signal: NodeJS.Signals): void {
    const child = this.#children.get(rank);
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child.pid, signal);
  }

  writeStdin(rank: number, data: Buffer | null): void {
    const stdin = this.#children.get(rank)?.stdin;
    if (stdin === undefined || stdin === null || stdin.destroyed) return;
    if (data === null) stdin.end();
    else stdin.write(data);
  }

  setOutputPaused(paused: boolean): void {
    for (const child of this.#children.values()) {
      for (const stream of [child.stdout, child.stderr]) {
        if (paused) stream?.pause();
        else stream?.resume();
      }
    }
  }

  close(): void {
    this.#watchdog.dismiss();
    rmSync(this.jobDir, { recursive: true, force: true });
  }

  #startRank(spec: RankSpec, events: AgentEvents): void {
    const child = this.#spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env, ...this.#nodeEnv },
      stdio: [spec.stdin, 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.#children.set(spec.rank, child);
    // A rank that stops reading its input must not take the agent down with EPIPE.
    child.stdin?.on('error', () => {});
    let termination: RankTermination | undefined;
    let reported = false;
    const report = (ended: RankTermination): void => {
      if (reported) return;
      reported = true;
      events.exited(spec.rank, ended);
    };

    child.on('error', (error) => {
      // Only a failure to start matters here; the process's own end is reported by 'close'.
      if (child.pid === undefined) report({ code: 127, signal: null, spawnError: error });
    });
    if (child.pid === undefined) return;
    this.#watchdog.watch(child.pid);
    // Before anything else, and only here: a socket pair only this rank holds (never argv or env).
    this.sendControl(spec.rank, { type: 'credentials', secret: this.#credentials.secret, encrypt: this.#credentials.encrypt });
    events.started(spec.rank, child.pid);

    for (const name of ['stdout', 'stderr'] as const) {
      const stream = child[name];
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => events.output(spec.rank, name, text));
      stream?.on('end', () => events.outputEnded(spec.rank, name));
    }

    const control = child.stdio[CONTROL_FD] as Socket | undefined;
    const decoder = new ControlLineDecoder();
    control?.on('data', (chunk: Buffer) => {
      let messages;
      try {
        messages = decoder.push(chunk);
      } catch (error) {
        events.controlError(spec.rank, error as Error);
        control.destroy();
        return;
      }
      for (const message of messages) events.control(spec.rank, message as RankToLauncher);
    });
    control?.on('error', () => {});

    child.on('exit', (code, signal) => {
      termination = { code, signal };
      // Whatever the rank left in its session (background children holding its pipes open)
      // goes with it: no process of a job outlives its rank.
      killGroup(child.pid as number, 'SIGKILL');
    });
    child.on('close', () => report(termination ?? { code: child.exitCode, signal: child.signalCode }));
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}
