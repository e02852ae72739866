/**
 * The Chrome Trace Event format (what Perfetto and chrome://tracing open) for a job's records:
 * one process per rank, named "rank N @ host", whose threads are lanes. Calls that overlap without
 * nesting (a non-blocking receive that outlives the send after it) cannot share a lane, so each
 * call goes to the first lane where it fits. Each point-to-point message is drawn as an arrow (a
 * flow event) from the send that started it to the receive that took it.
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
  readonly ph: 'X' | 'M' | 's' | 'f';
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly args?: Record<string, unknown>;
  /** Pairs the start and end of a flow (a message). */
  readonly id?: number;
  /** 'e': the flow ends in the slice enclosing its time stamp. */
  readonly bp?: 'e';
}

/** The document written by --trace. */
export interface ChromeTrace {
  readonly traceEvents: TraceEvent[];
  readonly displayTimeUnit: 'ms';
  readonly otherData: Record<string, unknown>;
}

const POINT_TO_POINT = new Set(['send', 'isend', 'recv', 'irecv', 'sendrecv', 'probe']);
const SENDS = new Set(['send', 'isend']);
const RECEIVES = new Set(['recv', 'irecv']);

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
  const ends = new Map<string, MessageEnd[]>();
  for (const { rank, host, records } of ranks) {
    events.push({ name: 'process_name', ph: 'M', pid: rank, tid: 0, args: { name: `rank ${rank} @ ${host}` } });
    events.push({ name: 'process_sort_index', ph: 'M', pid: rank, tid: 0, args: { sort_index: rank } });
    const lanes = assignLanes(records);
    // A reduce, not Math.max(...lanes): a long run's hundreds of thousands of records overflow
    // the stack as spread arguments.
    const laneCount = lanes.reduce((most, lane) => Math.max(most, lane), 0) + 1;
    for (let lane = 0; lane < laneCount; lane++) {
      events.push({ name: 'thread_name', ph: 'M', pid: rank, tid: lane, args: { name: lane === 0 ? 'calls' : `overlapping calls ${lane}` } });
    }
    records.forEach((record, index) => {
      const category = categoryOf(record.call);
      noteMessageEnd(ends, rank, record, lanes[index] as number);
      events.push({
        name: category === 'span' ? record.on : record.call,
        cat: category,
        ph: 'X',
        pid: rank,
        tid: lanes[index] as number,
        ts: round((record.start - startTime) * 1000),
        dur: round(Math.max(0, record.end - record.start) * 1000),
        args: category === 'span' ? {} : { call: `${record.call}(${record.args})`, comm: record.on, peer: record.peer, bytes: record.bytes, ...algorithmOf(record) },
      });
    });
  }
  events.push(...messageFlows(ends, startTime));
  return { traceEvents: events, displayTimeUnit: 'ms', otherData: { producer: 'tsmpiexec --trace', ranks: ranks.length } };
}

/** One end of a message: the send or receive record that moved it, where it is drawn. */
interface MessageEnd {
  readonly rank: number;
  readonly lane: number;
  readonly record: CallRecord;
}

/** Files a send or receive under its message's key: context, sender, receiver, tag. */
function noteMessageEnd(ends: Map<string, MessageEnd[]>, rank: number, record: CallRecord, lane: number): void {
  if (record.message === undefined) return;
  const [context, peer, tag] = record.message;
  const side = SENDS.has(record.call) ? 'send' : RECEIVES.has(record.call) ? 'recv' : undefined;
  if (side === undefined) return;
  const key = side === 'send' ? `${side} ${context} ${rank} ${peer} ${tag}` : `${side} ${context} ${peer} ${rank} ${tag}`;
  const list = ends.get(key) ?? [];
  list.push({ rank, lane, record });
  ends.set(key, list);
}

/**
 * Pairs sends with receives: messages of one sender to one receiver with one tag on one
 * communicator are received in the order they were sent (MPI's non-overtaking rule), so the
 * i-th send to start pairs with the i-th receive to complete.
 */
function messageFlows(ends: Map<string, MessageEnd[]>, startTime: number): TraceEvent[] {
  const flows: TraceEvent[] = [];
  let id = 0;
  for (const [key, sends] of ends) {
    if (!key.startsWith('send ')) continue;
    const receives = ends.get(`recv ${key.slice('send '.length)}`);
    if (receives === undefined) continue;
    sends.sort((a, b) => a.record.start - b.record.start);
    receives.sort((a, b) => a.record.end - b.record.end);
    for (let i = 0; i < Math.min(sends.length, receives.length); i++) {
      const send = sends[i] as MessageEnd;
      const receive = receives[i] as MessageEnd;
      id++;
      // Inside each slice, so that viewers bind the arrow to the send and the receive.
      const from = send.record.start + Math.min(0.001, (send.record.end - send.record.start) / 2);
      const to = receive.record.end - Math.min(0.001, (receive.record.end - receive.record.start) / 2);
      const common = { name: 'message', cat: 'message', id, args: { bytes: send.record.bytes } };
      flows.push({ ...common, ph: 's', pid: send.rank, tid: send.lane, ts: round((from - startTime) * 1000) });
      flows.push({ ...common, ph: 'f', bp: 'e', pid: receive.rank, tid: receive.lane, ts: round((to - startTime) * 1000) });
    }
  }
  return flows;
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

/** The algorithm a collective ran, as a trace event argument (nothing for other calls). */
function algorithmOf(record: CallRecord): { algorithm?: string } {
  return record.algorithm === undefined ? {} : { algorithm: record.algorithm };
}
