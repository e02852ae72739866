/**
 * Runs commands the way a user would (a TypeScript program with `node --import tsx`, or any
 * command such as sbatch or script), collecting their output, with the marker that lets a test
 * check afterwards that none of their processes is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { MARKER_VARIABLE, ROOT } from './run-tsmpiexec.js';

/** How a command ended, and what it printed. */
export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The marker in its environment (see assertNoProcessLeft). */
  readonly marker: string;
}

/** A command under test. */
export interface RunningCommand {
  readonly child: ChildProcess;
  /** Resolves when it has exited (rejects if it outlives `timeoutMs`, after killing it). */
  readonly done: Promise<Finished>;
  /** Resolves when `text` has appeared on its stdout. */
  waitForOutput(text: string): Promise<void>;
}

/** Starts `command args` in the project root with a fresh marker, and returns at once. */
export function startCommand(command: string, args: readonly string[], timeoutMs = 60_000): RunningCommand {
  const marker = randomUUID();
  const child = spawn(command, [...args], { cwd: ROOT, env: { ...process.env, [MARKER_VARIABLE]: marker }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: { text: string; resolve: () => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    for (const watcher of watchers.filter((w) => stdout.includes(w.text))) {
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve();
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const done = new Promise<Finished>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, marker });
    });
  });
  return {
    child,
    done,
    waitForOutput: (text) =>
      new Promise<void>((resolve) => {
        if (stdout.includes(text)) resolve();
        else watchers.push({ text, resolve });
      }),
  };
}

/** Starts `node --import tsx FILE ARGS`, as a user runs a program without tsmpiexec. */
export function startProgram(file: string, args: readonly string[] = []): RunningCommand {
  return startCommand(process.execPath, ['--import', 'tsx', file, ...args]);
}

/** Runs `node --import tsx FILE ARGS` to its end. */
export function runProgram(file: string, args: readonly string[] = []): Promise<Finished> {
  return startProgram(file, args).done;
}

/** Runs any command to its end. */
export function runCommand(command: string, args: readonly string[], timeoutMs?: number): Promise<Finished> {
  return startCommand(command, args, timeoutMs).done;
}
