/**
 * Which communication calls this rank is in right now. Always kept, for deadlock reports, and
 * kept cheaply: a call takes a slot from a reusable pool when it starts and gives it back when it
 * ends, so a steady stream of calls allocates nothing, and the call's description is only
 * turned into text when someone asks (a status request, or the recorder). When the job records
 * (tsmpiexec --trace / --profile), every ended call is also handed to the recorder.
 */
import { performance } from 'node:perf_hooks';

/** How a call's arguments are shown; the numbers live in the slot's a-d fields. */
export const ArgsShape = {
  /** `barrier()` */
  None: 0,
  /** `send(dest=a, tag=b)` */
  DestTag: 1,
  /** `recv(source=a, tag=b)` */
  SourceTag: 2,
  /** `bcast(root=a)` */
  Root: 3,
  /** `sendrecv(dest=a, sendtag=b, source=c, recvtag=d)` */
  SendRecv: 4,
  /** A user span: its name is in `on`. */
  Span: 5,
} as const;

/** One of {@link ArgsShape}'s values. */
export type ArgsShape = (typeof ArgsShape)[keyof typeof ArgsShape];

/** One call in progress. Slots are reused: never keep one after its call has ended. */
export interface CallSlot {
  call: string;
  /** The communicator's name (or the span's name). */
  on: string;
  shape: ArgsShape;
  a: number;
  b: number;
  c: number;
  d: number;
  /** Bytes moved, when known (filled in during the call). */
  bytes: number;
  /** The algorithm a collective call chose (filled in during the call), '' for other calls. */
  algorithm: string;
  /**
   * The message a point-to-point call moved, when known, so a trace can draw it from send to
   * receive: the context id, the world rank of the peer (the actual source for a receive) and the
   * actual tag; `messagePeer` is -1 when there is none.
   */
  messageContext: number;
  messagePeer: number;
  messageTag: number;
  /** performance.now() at the start. */
  start: number;
  /** A non-blocking call (the program is not waiting in it). */
  pending: boolean;
  /** Position in the active list, for O(1) removal. */
  index: number;
}

/** Receives every ended call while the job records. */
type CallSink = (slot: CallSlot, end: number) => void;

// Wildcards as the matching engine and communicator define them; repeated here so that this
// module imports nothing (the communicator and the requests both import it).
const ANY = -1;
const PROC_NULL = -2;

const active: CallSlot[] = [];
const free: CallSlot[] = [];
let sink: CallSink | undefined;

/** Notes that a call starts; the returned slot must be passed to {@link endCall} exactly once. */
export function beginCall(call: string, on: string, shape: ArgsShape, a = 0, b = 0, c = 0, d = 0, pending = false): CallSlot {
  const slot = free.pop() ?? { call, on, shape, a, b, c, d, bytes: 0, algorithm: '', messageContext: 0, messagePeer: -1, messageTag: 0, start: 0, pending, index: 0 };
  slot.call = call;
  slot.on = on;
  slot.shape = shape;
  slot.a = a;
  slot.b = b;
  slot.c = c;
  slot.d = d;
  slot.bytes = 0;
  slot.algorithm = '';
  slot.messagePeer = -1;
  slot.pending = pending;
  slot.index = active.length;
  active.push(slot);
  slot.start = performance.now();
  return slot;
}

/** Notes that the call of `slot` has ended (completed or failed). */
export function endCall(slot: CallSlot): void {
  if (sink !== undefined) sink(slot, performance.now());
  const last = active.pop() as CallSlot;
  if (last !== slot) {
    active[slot.index] = last;
    last.index = slot.index;
  }
  free.push(slot);
}

/**
 * Notes in `slot` a message its point-to-point call moved: adds its `bytes`, and keeps its context
 * id, the world rank of its peer and its tag, so that a trace can draw it.
 */
export function noteMessage(slot: CallSlot, context: number, peer: number, tag: number, bytes: number): void {
  slot.bytes += bytes;
  slot.messageContext = context;
  slot.messagePeer = peer;
  slot.messageTag = tag;
}

/** Runs `operation` as the call of `slot`, ending it however the operation ends. */
export async function trackCall<T>(slot: CallSlot, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } finally {
    endCall(slot);
  }
}

/** Hands every ended call to `callSink` from now on (undefined stops it). */
export function setCallSink(callSink: CallSink | undefined): void {
  sink = callSink;
}

/** The calls in progress, oldest first. */
export function callsInProgress(): readonly CallSlot[] {
  return [...active].sort((x, y) => x.start - y.start);
}

/** The call's arguments as the user wrote them: `source=0, tag=7`. */
export function describeArgs(slot: CallSlot): string {
  switch (slot.shape) {
    case ArgsShape.None:
    case ArgsShape.Span:
      return '';
    case ArgsShape.DestTag:
      return `dest=${rankName(slot.a)}, tag=${slot.b}`;
    case ArgsShape.SourceTag:
      return `source=${rankName(slot.a)}, tag=${tagName(slot.b)}`;
    case ArgsShape.Root:
      return `root=${slot.a}`;
    case ArgsShape.SendRecv:
      return `dest=${rankName(slot.a)}, sendtag=${slot.b}, source=${rankName(slot.c)}, recvtag=${tagName(slot.d)}`;
  }
}

/** The call as a report shows it: `recv(source=0, tag=7)`, `bcast(root=1) on split(color=1) of COMM_WORLD`. */
export function describeCall(slot: CallSlot): string {
  if (slot.shape === ArgsShape.Span) return `span "${slot.on}"`;
  const where = slot.on === 'COMM_WORLD' || slot.on === '' ? '' : ` on ${slot.on}`;
  return `${slot.call}(${describeArgs(slot)})${where}`;
}

/** The peer a call talks to, in its communicator; -1 when none or a wildcard. */
export function peerOf(slot: CallSlot): number {
  switch (slot.shape) {
    case ArgsShape.DestTag:
    case ArgsShape.SourceTag:
    case ArgsShape.SendRecv:
      return slot.a >= 0 ? slot.a : -1;
    case ArgsShape.Root:
      return slot.a;
    default:
      return -1;
  }
}

function rankName(rank: number): string {
  if (rank === ANY) return 'ANY_SOURCE';
  if (rank === PROC_NULL) return 'PROC_NULL';
  return String(rank);
}

function tagName(tag: number): string {
  return tag === ANY ? 'ANY_TAG' : String(tag);
}
