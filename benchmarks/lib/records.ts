/**
 * The records every benchmark suite reports (one JSON document per line from a rank program, an
 * array in the --json file), and the --json option they share.
 */
import { writeFileSync } from 'node:fs';

/** One measurement: what, of which implementation, at how many ranks and bytes. */
export interface Measurement {
  readonly bench: string;
  readonly impl: string;
  readonly np: number;
  readonly size: number;
  readonly value: number;
  readonly unit: string;
}

/** The records in a program's output (its lines that are JSON objects). */
export function parseRecords(stdout: string): Measurement[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Measurement);
}

/** Writes `records` to the file named after --json, when the command line has one. */
export function writeJsonIfAsked(records: readonly Measurement[], argv: readonly string[] = process.argv): void {
  const index = argv.indexOf('--json');
  const file = index > 0 ? argv[index + 1] : undefined;
  if (file !== undefined) writeFileSync(file, JSON.stringify(records, null, 1));
}
