/**
 * The operating system's side of a message on this machine (benchmarks/machine/os-costs.c): a
 * system call and a wake-up across processes, measured in the run whose messages they explain.
 * Compiled with the system's C compiler; when there is none, the figures are skipped with the
 * reason.
 */
import { fileURLToPath } from 'node:url';
import { compileC } from './compile-c.js';
import { runForRecords, type Measurement } from './records.js';

/** The C program's implementation name in the records. */
export const OS_COSTS_IMPL = 'C';

/** How to measure the costs here, or why they cannot be. */
export type OsCosts = { readonly available: true; readonly measure: (quick: boolean) => Measurement[] } | { readonly available: false; readonly reason: string };

/** Compiles the measuring program (once per source change). */
export function osCosts(): OsCosts {
  const compiled = compileC('cc', fileURLToPath(new URL('../machine/os-costs.c', import.meta.url)));
  if ('reason' in compiled) return { available: false, reason: compiled.reason };
  return { available: true, measure: (quick) => runForRecords(compiled.binary, quick ? ['--quick'] : []) };
}
