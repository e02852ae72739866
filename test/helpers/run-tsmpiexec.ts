/**
 * Runs the built tsmpiexec as a user would, and checks afterwards that no process of the job is
 * left: every process of a job inherits a unique marker variable, found in /proc/PID/environ.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The project root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built command line, as npm installs it. */
export const TSMPIEXEC = fileURLToPath(new URL('../../dist/bundle/tsmpiexec.js', import.meta.url));
/** A fixture's path. */
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** The variable that marks every process of a job under test. */
export const MARKER_VARIABLE = 'TSMPI_TEST_MARKER';

/** How a command ended, and what it printed. */
export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The marker in its environment (see assertNoProcessLeft). */
  readonly marker: string;
}

/** Options for {@link startCommand} and {@link startTsmpiexec}. */
export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Text for standard input (closed after it); by default stdin is empty. */
  readonly input?: string;
  /** The run fails the test if it lasts longer (milliseconds). */
  readonly timeoutMs?: number;
}

/** A command under test. */
export interface RunningCommand {
  readonly child: ChildProcess;
  readonly marker: string;
  /** Resolves once it exits and its output is read (rejects, after killing it, on timeout). */
  readonly done: Promise<RunResult>;
  /** What it has printed on stdout so far. */
  readonly stdout: string;
  /** What it has printed on stderr so far. */
  readonly stderr: string;
  /**
   * Resolves when `text` has appeared on stdout or stderr; rejects, with what it printed, if it
   * exits without printing it.
   */
  waitForOutput(text: string): Promise<void>;
}

/** Starts `command args` (in the project root by default) with a fresh marker; returns at once. */
export function startCommand(command: string, args: readonly string[], options: RunOptions = {}): RunningCommand {
  const marker = randomUUID();
  const child = spawn(command, [...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env, [MARKER_VARIABLE]: marker },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const printed = (): string => `stdout:\n${stdout}\nstderr:\n${stderr}`;
  interface Watcher {
    readonly text: string;
    readonly resolve: () => void;
    readonly reject: (error: Error) => void;
  }
  let watchers: Watcher[] = [];
  const onText = (): void => {
    for (let i = watchers.length - 1; i >= 0; i--) {
      const watcher = watchers[i] as Watcher;
      if (stdout.includes(watcher.text) || stderr.includes(watcher.text)) {
        watchers.splice(i, 1);
        watcher.resolve();
      }
    }
  };
  // How it ended, once it has exited and its output is all read: a text not seen by then never comes.
  let ended: string | undefined;
  const neverPrinted = (text: string): Error => new Error(`${ended} before printing ${JSON.stringify(text)}\n${printed()}`);
  child.on('close', (code, signal) => {
    ended = `${command} ${args.join(' ')} ended (exit code ${code}, signal ${signal})`;
    for (const watcher of watchers) watcher.reject(neverPrinted(watcher.text));
    watchers = [];
  });
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    onText();
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    onText();
  });
  child.stdin.on('error', () => {});
  child.stdin.end(options.input ?? '');

  const timeoutMs = options.timeoutMs ?? 60_000;
  const done = new Promise<RunResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${printed()}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, marker });
    });
  });
  return {
    child,
    marker,
    done,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitForOutput: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.includes(text) || stderr.includes(text)) resolve();
        else if (ended !== undefined) reject(neverPrinted(text));
        else watchers.push({ text, resolve, reject });
      }),
  };
}

const launcherPids: number[] = [];

/** PIDs of every tsmpiexec this test process started (to find their jobs' processes on nodes). */
export function startedLaunchers(): readonly number[] {
  return launcherPids;
}

/** Starts the built tsmpiexec with `args`. */
export function startTsmpiexec(args: readonly string[], options: RunOptions = {}): RunningCommand {
  const run = startCommand(process.execPath, [TSMPIEXEC, ...args], options);
  if (run.child.pid !== undefined) launcherPids.push(run.child.pid);
  return run;
}

/**
 * Runs tsmpiexec to its end, then checks that no process of the job is left.
 * @throws when a process of the job survives
 */
export async function runTsmpiexec(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const run = startTsmpiexec(args, options);
  const result = await run.done;
  await assertNoProcessLeft(run.marker);
  return result;
}

/** PIDs of live processes whose environment carries `marker`. */
export function processesWithMarker(marker: string): number[] {
  const needle = `${MARKER_VARIABLE}=${marker}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (environ.split('\0').includes(needle) && !isZombie(entry)) found.push(Number(entry));
  }
  return found;
}

function isZombie(pid: string): boolean {
  try {
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1').replace(/^.*\)/, ' '));
  } catch {
    return true;
  }
}

/**
 * Fails unless every process of the job is gone within `withinMs` (processes exit asynchronously,
 * so they get a short moment; nothing of a job may survive longer).
 */
export async function assertNoProcessLeft(marker: string, withinMs = 3000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = processesWithMarker(marker);
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      const described = left.map((pid) => {
        try {
          return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ')}`;
        } catch {
          return String(pid);
        }
      });
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      throw new Error(`processes of the job were left behind:\n${described.join('\n')}`);
    }
    // No event announces the end of a process that is not our child: poll until the deadline.
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
