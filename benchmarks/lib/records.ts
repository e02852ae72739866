/**
 * The records every benchmark suite reports (one JSON document per line from a rank program, an
 * array in the --json file), the --json option they share, and how repeated runs are summarised.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

/** One measurement: what, of which implementation, at how many ranks and bytes. */
export interface Measurement {
  readonly bench: string;
  readonly impl: string;
  readonly np: number;
  readonly size: number;
  /** The median over {@link runs} runs when summarised. */
  readonly value: number;
  readonly unit: string;
  /** The lowest and highest value over the runs, when summarised. */
  readonly min?: number;
  readonly max?: number;
  readonly runs?: number;
}

/** The records in a program's output (its lines that are JSON objects). */
export function parseRecords(stdout: string): Measurement[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Measurement);
}

/** Where and with which environment {@link runForRecords} runs its command. */
export interface RunOptions {
  /** The working directory; this process's by default. */
  readonly cwd?: string;
  /** The environment; this process's by default. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs `command args` to its end (its stderr shown) and returns the records it printed.
 * @throws when it fails, so that a broken suite never reports partial figures
 */
export function runForRecords(command: string, args: readonly string[], options: RunOptions = {}): Measurement[] {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], cwd: options.cwd, env: options.env ?? process.env });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
  return parseRecords(result.stdout);
}

/** Writes `records` to the file named after --json, when the command line has one. */
export function writeJsonIfAsked(records: readonly Measurement[], argv: readonly string[] = process.argv): void {
  const index = argv.indexOf('--json');
  const file = index > 0 ? argv[index + 1] : undefined;
  if (file !== undefined) writeFileSync(file, JSON.stringify(records, null, 1));
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * One record per (bench, impl, np, size) over repeated runs: the median as the value, with the
 * minimum, maximum and number of runs kept.
 */
export function summarizeRuns(records: readonly Measurement[]): Measurement[] {
  const groups = new Map<string, Measurement[]>();
  for (const record of records) {
    const key = JSON.stringify([record.bench, record.impl, record.np, record.size, record.unit]);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = []));
    group.push(record);
  }
  return [...groups.values()].map((group) => {
    const values = group.map((record) => record.value);
    return { ...(group[0] as Measurement), value: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
  });
}

/** The summarised record of `impl` for (bench, np, size), if measured. */
export function find(records: readonly Measurement[], bench: string, impl: string, np: number, size: number): Measurement | undefined {
  return records.find((r) => r.bench === bench && r.impl === impl && r.np === np && r.size === size);
}

/** How many runs a suite makes when --runs does not say, in quick mode and otherwise. */
export interface RunCountDefaults {
  readonly quick: number;
  readonly full: number;
}

/** How many times a suite repeats every measurement: `--runs N`, else `defaults` (1 in quick mode and 5 otherwise unless given). */
export function runCount(defaults: RunCountDefaults = { quick: 1, full: 5 }, argv: readonly string[] = process.argv): number {
  const index = argv.indexOf('--runs');
  if (index > 0) return Math.max(1, Number(argv[index + 1]) || 1);
  return argv.includes('--quick') ? defaults.quick : defaults.full;
}
