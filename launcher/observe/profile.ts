/**
 * The --profile report, in the spirit of mpiP: per rank, the time spent inside communication
 * calls against the rest, calls and bytes per operation, the slowest calls of the job, and the
 * ranks that waited most (the signature of load imbalance: the fastest ranks wait for the
 * slowest in the next receive or collective).
 */
import type { CallRecord } from '../../src/protocol/control-messages.js';
import { categoryOf, type RankRecords } from './chrome-trace.js';

/** One operation's totals on one rank. */
export interface OperationProfile {
  readonly calls: number;
  /** Sum of the calls' durations. */
  readonly seconds: number;
  readonly maxSeconds: number;
  readonly bytes: number;
}

/** One rank's profile. */
export interface RankProfile {
  readonly rank: number;
  readonly host: string;
  /** From the end of init() to the start of finalize() (or the last call, without finalize()). */
  readonly appSeconds: number;
  /** Time inside at least one communication call (overlapping calls count once). */
  readonly commSeconds: number;
  readonly operations: Record<string, OperationProfile>;
}

/** One of the slowest calls. */
export interface SlowCall {
  readonly rank: number;
  readonly call: string;
  readonly seconds: number;
  /** When it started, in seconds since the first rank's init() ended. */
  readonly at: number;
}

/** What --profile prints and --profile-json writes. */
export interface JobProfile {
  readonly ranks: readonly RankProfile[];
  readonly slowest: readonly SlowCall[];
  /** Ranks by time in communication, most first. */
  readonly waitedMost: readonly { readonly rank: number; readonly commSeconds: number; readonly commPercent: number }[];
}

const SLOWEST_CALLS = 5;

/** Computes the profile from every rank's records. */
export function profileOf(ranks: readonly RankRecords[]): JobProfile {
  const windows = ranks.map(({ records }) => appWindow(records));
  const origin = Math.min(...windows.map(([start]) => start).filter(Number.isFinite));
  // The slowest calls of the job, longest first, kept to SLOWEST_CALLS as the records go by.
  const slowest: { rank: number; record: CallRecord; seconds: number }[] = [];
  const profiles = ranks.map(({ rank, host, records }, index): RankProfile => {
    const [start, end] = windows[index] as [number, number];
    const calls = records.filter((record) => isCommunication(record) && record.start >= start && record.end <= end + 1e-6);
    const operations: Record<string, OperationProfile> = {};
    for (const record of calls) {
      const seconds = (record.end - record.start) / 1000;
      const current = operations[record.call] ?? { calls: 0, seconds: 0, maxSeconds: 0, bytes: 0 };
      operations[record.call] = {
        calls: current.calls + 1,
        seconds: current.seconds + seconds,
        maxSeconds: Math.max(current.maxSeconds, seconds),
        bytes: current.bytes + record.bytes,
      };
      if (slowest.length < SLOWEST_CALLS || seconds > (slowest[slowest.length - 1] as { seconds: number }).seconds) {
        const place = slowest.findIndex((s) => s.seconds < seconds);
        slowest.splice(place < 0 ? slowest.length : place, 0, { rank, record, seconds });
        if (slowest.length > SLOWEST_CALLS) slowest.pop();
      }
    }
    return {
      rank,
      host,
      appSeconds: Number.isFinite(end - start) ? Math.max(0, end - start) / 1000 : 0,
      commSeconds: unionMilliseconds(calls) / 1000,
      operations,
    };
  });
  const waitedMost = profiles
    .map((profile) => ({ rank: profile.rank, commSeconds: profile.commSeconds, commPercent: percent(profile.commSeconds, profile.appSeconds) }))
    .sort((a, b) => b.commSeconds - a.commSeconds);
  return {
    ranks: profiles,
    slowest: slowest.map(({ rank, record, seconds }) => ({
      rank,
      call: `${record.call}(${record.args})${record.on === 'COMM_WORLD' ? '' : ` on ${record.on}`}`,
      seconds,
      at: (record.start - origin) / 1000,
    })),
    waitedMost,
  };
}

/** The profile as the table tsmpiexec prints. */
export function formatProfile(profile: JobProfile): string {
  const lines: string[] = ['', `tsmpi profile: ${profile.ranks.length} rank${profile.ranks.length === 1 ? '' : 's'} (app = init() to finalize(); comm = inside communication calls)`];
  lines.push(...table(
    ['rank', 'host', 'app s', 'comm s', 'comm %', 'rest s'],
    profile.ranks.map((r) => [String(r.rank), r.host, fixed(r.appSeconds), fixed(r.commSeconds), `${percent(r.commSeconds, r.appSeconds).toFixed(1)}%`, fixed(Math.max(0, r.appSeconds - r.commSeconds))]),
  ));
  lines.push('', 'Calls per operation (time is the sum of the calls\' durations; bytes sent or received)');
  const rows: string[][] = [];
  for (const r of profile.ranks) {
    for (const [operation, o] of Object.entries(r.operations).sort((a, b) => b[1].seconds - a[1].seconds)) {
      rows.push([String(r.rank), operation, String(o.calls), fixed(o.seconds), (o.seconds / o.calls * 1000).toFixed(3), (o.maxSeconds * 1000).toFixed(3), String(o.bytes)]);
    }
  }
  lines.push(...table(['rank', 'operation', 'calls', 'total s', 'mean ms', 'max ms', 'bytes'], rows));
  if (profile.slowest.length > 0) {
    lines.push('', 'Slowest calls');
    lines.push(...table(['rank', 'call', 'seconds', 'at s'], profile.slowest.map((s) => [String(s.rank), s.call, fixed(s.seconds), fixed(s.at)])));
  }
  if (profile.waitedMost.length > 1) {
    const top = profile.waitedMost[0] as JobProfile['waitedMost'][number];
    const bottom = profile.waitedMost[profile.waitedMost.length - 1] as JobProfile['waitedMost'][number];
    lines.push('', `Ranks that waited most: ${profile.waitedMost.slice(0, 3).map((w) => `rank ${w.rank} ${fixed(w.commSeconds)} s (${w.commPercent.toFixed(1)}%)`).join(', ')}`);
    lines.push(`Imbalance: rank ${top.rank} spent ${fixed(top.commSeconds - bottom.commSeconds)} s more in communication than rank ${bottom.rank}; ranks that wait most are usually waiting for the ranks that wait least.`);
  }
  return `${lines.join('\n')}\n`;
}

function isCommunication(record: CallRecord): boolean {
  const category = categoryOf(record.call);
  return category === 'p2p' || category === 'collective';
}

/** [end of init, start of finalize] in milliseconds; falls back to the first and last record. */
function appWindow(records: readonly CallRecord[]): [number, number] {
  const init = records.find((record) => record.call === 'init');
  const finalize = records.find((record) => record.call === 'finalize');
  // A loop, not Math.min(...starts): a long run's records overflow the stack as spread arguments.
  let first = Infinity;
  let last = -Infinity;
  for (const record of records) {
    first = Math.min(first, record.start);
    last = Math.max(last, record.end);
  }
  return [init?.end ?? first, finalize?.start ?? last];
}

/** Total length of the union of the records' intervals, in milliseconds. */
function unionMilliseconds(records: readonly CallRecord[]): number {
  const sorted = [...records].sort((a, b) => a.start - b.start);
  let total = 0;
  let openStart = -Infinity;
  let openEnd = -Infinity;
  for (const { start, end } of sorted) {
    if (start > openEnd) {
      if (openEnd > openStart) total += openEnd - openStart;
      openStart = start;
      openEnd = end;
    } else if (end > openEnd) {
      openEnd = end;
    }
  }
  if (openEnd > openStart) total += openEnd - openStart;
  return total;
}

function percent(part: number, whole: number): number {
  return whole > 0 ? Math.min(100, (part / whole) * 100) : 0;
}

function fixed(seconds: number): string {
  return seconds.toFixed(3);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  // Text columns (host, operation, call) are left-aligned, numbers (and their titles) right-aligned.
  const numeric = header.map((_, column) => rows.every((row) => /^[\d.%-]+$/.test(row[column] ?? '')));
  const format = (row: readonly string[]): string =>
    row.map((cell, column) => (numeric[column] === true ? cell.padStart(widths[column] as number) : cell.padEnd(widths[column] as number))).join('  ').trimEnd();
  return [format(header), ...rows.map(format)].map((line) => `  ${line}`);
}
