/**
 * Signal names and numbers, for exit codes in the shell's convention (128 + signal number).
 */
import { constants } from 'node:os';

/** The exit code a shell reports for a process killed by `signal`. */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
