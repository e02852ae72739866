/**
 * Runs a TypeScript program the way a user runs one without tsmpiexec (`node --import tsx`), with
 * the marker that lets a test check afterwards that none of its processes is left.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { MARKER_VARIABLE, ROOT } from './run-tsmpiexec.js';

/** Runs `node --import tsx FILE ARGS` as a user would, with a marker for the leftover check. */
export function runProgram(file: string, args: readonly string[] = []): Promise<{ code: number | null; stdout: string; stderr: string; marker: string }> {
  const marker = randomUUID();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: ROOT,
      env: { ...process.env, [MARKER_VARIABLE]: marker },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not finish\n${stdout}\n${stderr}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, marker });
    });
  });
}


/** A program under test, for tests that interrupt it. */
export interface RunningProgram {
  readonly child: import('node:child_process').ChildProcess;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; marker: string }>;
  /** Resolves when `text` has appeared on its stdout. */
  waitForOutput(text: string): Promise<void>;
}

/** Starts `node --import tsx FILE ARGS` and returns at once. */
export function startProgram(file: string, args: readonly string[] = []): RunningProgram {
  const marker = randomUUID();
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { ...process.env, [MARKER_VARIABLE]: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: { text: string; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    for (const watcher of watchers.filter((w) => stdout.includes(w.text))) {
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; marker: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not finish\n${stdout}\n${stderr}`));
    }, 60_000);
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
