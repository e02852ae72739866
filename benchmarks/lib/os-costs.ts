/**
 * The operating system's side of a message on this machine (benchmarks/machine/os-costs.c): a
 * system call and a wake-up across processes, measured in the run whose messages they explain.
 * Compiled with the system's C compiler; when there is none, the figures are skipped with the
 * reason.
 */
import { fileURLToPath } from 'node:url';
import { compileC } from './compile-c.js';
import { find, runForRecords, type Measurement } from './records.js';

/** The C program's implementation name in the records. */
const IMPL = 'C';

/** How to measure the costs here, or why they cannot be. */
export type OsCosts =
  | { readonly available: true; readonly measure: (extraArgs: readonly string[]) => Measurement[] }
  | { readonly available: false; readonly reason: string };

/** Compiles the measuring program (once per source change); `measure(['--quick'])` measures briefly. */
export function osCosts(): OsCosts {
  const compiled = compileC('cc', fileURLToPath(new URL('../machine/os-costs.c', import.meta.url)));
  if ('reason' in compiled) return { available: false, reason: compiled.reason };
  return { available: true, measure: (extraArgs) => runForRecords(compiled.binary, [IMPL, ...extraArgs]) };
}

/** The line that states the costs among `records`, or undefined when they were not measured. */
export function osCostsLine(records: readonly Measurement[]): string | undefined {
  const systemCall = find(records, 'system call', IMPL, 1, 0);
  const wakeUp = find(records, 'wake-up across processes', IMPL, 2, 0);
  if (systemCall === undefined || wakeUp === undefined) return undefined;
  return `this machine, in C: a system call ${systemCall.value.toFixed(2)} us, a wake-up across processes ${wakeUp.value.toFixed(1)} us (pipe ping-pong, one way)`;
}
