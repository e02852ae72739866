/**
 * Where each rank's output goes, as mpirun users set it up: tagged lines (--tag-output, coloured
 * per rank on a terminal), timestamped lines (--timestamp-output), and a copy of each rank's
 * streams in files of its own (--output-filename DIR, Open MPI's layout DIR/1/rank.N/stdout).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RankOutput, RankOutputFactory } from '../job/job-supervisor.js';
import { LineForwarder } from './line-forwarder.js';

/** How rank output is presented. */
export interface RankOutputOptions {
  /** Prefix lines with [rank] ([rank@host] when `hostCount` > 1). */
  readonly tagOutput: boolean;
  readonly hostCount: number;
  readonly rankCount: number;
  /** Prefix lines with the time they reached tsmpiexec. */
  readonly timestamps: boolean;
  /** Colour each rank's tag (only with tagOutput). */
  readonly colour: boolean;
  /** Write each rank's stdout/stderr to DIR/1/rank.N/ as well (or only, without `copy`). */
  readonly directory?: { readonly path: string; readonly copy: boolean };
  /** The clock for timestamps (tests). */
  readonly now?: () => Date;
}

// Foreground colours that read on dark and light terminals: red, green, yellow, blue, magenta, cyan.
const COLOURS = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];

/** Whether tag colours are wanted: on a terminal, unless NO_COLOR is set (https://no-color.org). */
export function colourWanted(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/** `2026-11-23T15:31:48.123Z`: ISO 8601 in UTC with milliseconds, so lines of hosts in different zones compare. */
export function timestamp(date: Date): string {
  return date.toISOString();
}

/**
 * The directory of rank `rank` under --output-filename DIR: DIR/1/rank.N, N padded with zeros to
 * the width of the largest rank so that listings sort (as Open MPI 4 and 5 do).
 */
export function rankDirectory(path: string, rank: number, rankCount: number): string {
  return join(path, '1', `rank.${String(rank).padStart(String(Math.max(0, rankCount - 1)).length, '0')}`);
}

/**
 * Creates the factory the supervisor calls once per rank.
 * @throws Error when a rank's directory cannot be created
 */
export function rankOutputFactory(options: RankOutputOptions): RankOutputFactory {
  const now = options.now ?? (() => new Date());
  return (rank, host, toStdout, toStderr): RankOutput => {
    let tag = '';
    if (options.tagOutput) {
      tag = options.hostCount > 1 ? `[${rank}@${host}]` : `[${rank}]`;
      if (options.colour) tag = `\x1b[${COLOURS[rank % COLOURS.length] as number}m${tag}\x1b[0m`;
      tag += ' ';
    }
    const prefix = options.timestamps ? () => `[${timestamp(now())}] ${tag}` : tag;
    const multi = options.rankCount > 1;
    let files: { out: number; err: number } | undefined;
    if (options.directory !== undefined) {
      const dir = rankDirectory(options.directory.path, rank, options.rankCount);
      mkdirSync(dir, { recursive: true });
      files = { out: openSync(join(dir, 'stdout'), 'w'), err: openSync(join(dir, 'stderr'), 'w') };
    }
    const copy = options.directory?.copy ?? true;
    const stream = (sink: (text: string) => boolean, fd: number | undefined): RankOutput['out'] => {
      const lines = copy ? new LineForwarder(sink, prefix, multi) : undefined;
      return {
        write: (text: string) => {
          // The file holds the rank's output as it wrote it, without tags or timestamps.
          if (fd !== undefined) writeAll(fd, text);
          return lines?.write(text) ?? true;
        },
        end: () => {
          lines?.end();
          if (fd !== undefined) closeSync(fd);
        },
      };
    };
    return { out: stream(toStdout, files?.out), err: stream(toStderr, files?.err) };
  };
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written);
}
