/**
 * The Chrome Trace Event format (what Perfetto and chrome://tracing open) for a job's records:
 * one process per rank, named "rank N @ host", whose threads are lanes. Calls that overlap without
 * nesting (a non-blocking receive that outlives the send after it) cannot share a lane, so each
 * call goes to the first lane where it fits.
 */
import type { CallRecord } from '../../src/protocol/control-messages.js';

/** One rank's records. */
export interface RankRecords {
  readonly rank: number;
  readonly host: string;
  readonly records: readonly CallRecord[];
}

/** A Chrome trace event (the subset written here). */
export interface TraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'M';
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly args?: Record<string, unknown>;
}

/** The document written by --trace. */
export interface ChromeTrace {
  readonly traceEvents: TraceEvent[];
  readonly displayTimeUnit: 'ms';
  readonly otherData: Record<string, unknown>;
}

const POINT_TO_POINT = new Set(['send', 'isend', 'recv', 'irecv', 'sendrecv', 'probe']);

/** The category of a call: p2p, collective, span (the program's own) or runtime (init, finalize). */
export function categoryOf(call: string): 'p2p' | 'collective' | 'span' | 'runtime' {
  if (POINT_TO_POINT.has(call)) return 'p2p';
  if (call === 'span') return 'span';
  if (call === 'init' || call === 'finalize') return 'runtime';
  return 'collective';
}

/** Builds the trace; times become microseconds since `startTime` (milliseconds). */
export function chromeTrace(ranks: readonly RankRecords[], startTime: number): ChromeTrace {
  const events: TraceEvent[] = [];
  for (const { rank, host, records } of ranks) {
    events.push({ name: 'process_name', ph: 'M', pid: rank, tid: 0, args: { name: `rank ${rank} @ ${host}` } });
    events.push({ name: 'process_sort_index', ph: 'M', pid: rank, tid: 0, args: { sort_index: rank } });
    const lanes = assignLanes(records);
    const laneCount = Math.max(0, ...lanes) + 1;
    for (let lane = 0; lane < laneCount; lane++) {
      events.push({ name: 'thread_name', ph: 'M', pid: rank, tid: lane, args: { name: lane === 0 ? 'calls' : `overlapping calls ${lane}` } });
    }
    records.forEach((record, index) => {
      const category = categoryOf(record.call);
      events.push({
        name: category === 'span' ? record.on : record.call,
        cat: category,
        ph: 'X',
        pid: rank,
        tid: lanes[index] as number,
        ts: round((record.start - startTime) * 1000),
        dur: round(Math.max(0, record.end - record.start) * 1000),
        args: category === 'span' ? {} : { call: `${record.call}(${record.args})`, comm: record.on, peer: record.peer, bytes: record.bytes },
      });
    });
  }
  return { traceEvents: events, displayTimeUnit: 'ms', otherData: { producer: 'tsmpiexec --trace', ranks: ranks.length } };
}

/**
 * A lane per record such that the records of one lane nest (a span around its calls) or follow
 * one another, as trace viewers require of one thread.
 */
export function assignLanes(records: readonly CallRecord[]): number[] {
  const order = records.map((_, index) => index).sort((x, y) => {
    const a = records[x] as CallRecord;
    const b = records[y] as CallRecord;
    return a.start - b.start || b.end - a.end;
  });
  // Per lane, the ends of the records still open at the current start, innermost last.
  const open: number[][] = [];
  const lanes = new Array<number>(records.length).fill(0);
  for (const index of order) {
    const { start, end } = records[index] as CallRecord;
    let lane = 0;
    for (; lane < open.length; lane++) {
      const stack = open[lane] as number[];
      while (stack.length > 0 && (stack[stack.length - 1] as number) <= start) stack.pop();
      if (stack.length === 0 || (stack[stack.length - 1] as number) >= end) break;
    }
    if (lane === open.length) open.push([]);
    (open[lane] as number[]).push(end);
    lanes[index] = lane;
  }
  return lanes;
}

function round(microseconds: number): number {
  return Math.round(microseconds * 1000) / 1000;
}
