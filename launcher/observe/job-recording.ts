/**
 * What the ranks of a job recorded (tsmpiexec --trace / --profile): their call records, gathered
 * as they arrive over the control channels, and turned at the end of the job into a trace file
 * and a profile.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import type { CallRecord } from '../../src/protocol/control-messages.js';
import type { OutputSink } from '../job/job-supervisor.js';
import { chromeTrace, type ChromeTrace } from './chrome-trace.js';
import { profileOf, formatProfile } from './profile.js';

/** What to produce from the records. */
export interface RecordingOptions {
  /** Write a Chrome Trace Event file here. */
  readonly traceFile?: string;
  /** Print the profile table here at the end. */
  readonly profileTo?: OutputSink;
  /** Write the profile as JSON here. */
  readonly profileJsonFile?: string;
  /** The host of each rank, indexed by rank. */
  readonly hosts: readonly string[];
  /** The launcher's clock when the job started (milliseconds, the clock records are on). */
  readonly startTime: number;
}

/** Every rank's records, collected while the job runs. */
export class JobRecording {
  readonly #options: RecordingOptions;
  readonly #records: CallRecord[][];

  constructor(options: RecordingOptions) {
    this.#options = options;
    this.#records = options.hosts.map(() => []);
  }

  /** Adds a batch of a rank's records. */
  add(rank: number, records: readonly CallRecord[]): void {
    const list = this.#records[rank];
    if (list !== undefined) for (const record of records) list.push(record);
  }

  /**
   * Writes the trace and profile files and prints the profile. Returns the problems met (a file
   * that cannot be written), each as one line for the user.
   */
  finish(): string[] {
    const problems: string[] = [];
    const ranks = this.#records.map((records, rank) => ({ rank, host: this.#options.hosts[rank] ?? '?', records }));
    const { traceFile, profileJsonFile, profileTo } = this.#options;
    if (traceFile !== undefined) problems.push(...writeOrSay(traceFile, '--trace', () => writeTrace(traceFile, chromeTrace(ranks, this.#options.startTime))));
    if (profileTo !== undefined || profileJsonFile !== undefined) {
      const profile = profileOf(ranks);
      if (profileJsonFile !== undefined) problems.push(...writeOrSay(profileJsonFile, '--profile-json', () => writeFileSync(profileJsonFile, `${JSON.stringify(profile, null, 2)}\n`)));
      if (profileTo !== undefined) profileTo.write(formatProfile(profile));
    }
    return problems;
  }
}

/**
 * Writes the trace a piece at a time: a trace of millions of calls is larger than the longest
 * string V8 can make.
 */
function writeTrace(file: string, trace: ChromeTrace): void {
  const fd = openSync(file, 'w');
  try {
    let chunk = '{"traceEvents":[\n';
    trace.traceEvents.forEach((event, index) => {
      chunk += `${index === 0 ? '' : ',\n'}${JSON.stringify(event)}`;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    });
    chunk += `\n],"displayTimeUnit":${JSON.stringify(trace.displayTimeUnit)},"otherData":${JSON.stringify(trace.otherData)}}\n`;
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** Runs `write`, which writes `file` (given by `option`); returns the line to print if it fails. */
function writeOrSay(file: string, option: string, write: () => void): string[] {
  try {
    write();
    return [];
  } catch (error) {
    return [`cannot write the ${option} file ${file}: ${(error as Error).message}`];
  }
}
