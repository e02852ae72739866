/**
 * Runs commands the way a user would without tsmpiexec: a TypeScript program with
 * `node --import tsx`, or any command (sbatch, script), with the marker that lets a test check
 * afterwards that none of their processes is left.
 */
import { startCommand, type RunResult, type RunningCommand } from './run-tsmpiexec.js';

/** Starts `node --import tsx FILE ARGS`, as a user runs a program without tsmpiexec. */
export function startProgram(file: string, args: readonly string[] = []): RunningCommand {
  return startCommand(process.execPath, ['--import', 'tsx', file, ...args]);
}

/** Runs `node --import tsx FILE ARGS` to its end. */
export function runProgram(file: string, args: readonly string[] = []): Promise<RunResult> {
  return startProgram(file, args).done;
}

/** Runs any command to its end. */
export function runCommand(command: string, args: readonly string[], timeoutMs?: number): Promise<RunResult> {
  return startCommand(command, args, timeoutMs === undefined ? {} : { timeoutMs }).done;
}
