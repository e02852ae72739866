/**
 * Recording every call of this rank for tsmpiexec --trace and --profile. Off unless the launcher
 * asks for it (TSMPI_RECORD=1 in the rank's environment); when off, nothing here runs. When on,
 * the rank first measures its clock against the launcher's (a few ping-pongs over the control
 * channel, relayed by node agents for remote hosts), so that every rank's times are on one clock;
 * then each ended call becomes a record, sent to the launcher in batches and at finalize().
 */
import { performance } from 'node:perf_hooks';
import type { CallRecord, LauncherToRank, RankToLauncher } from '../protocol/control-messages.js';
import { wallClockNow } from '../protocol/wall-clock.js';
import { JOB_ENV } from '../runtime/job-environment.js';
import { ArgsShape, describeArgs, peerOf, setCallSink, type CallSlot } from './call-tracker.js';

/** The rank's way to the launcher (the control channel, or createPool's in-process link). */
export interface RecorderLink {
  send(message: RankToLauncher): void;
  next(): Promise<LauncherToRank>;
}

// Records are sent in batches of this many while the job runs, so memory stays bounded.
const BATCH_RECORDS = 2000;
// Round trips to measure the clock offset; the one with the shortest round trip wins.
const CLOCK_ROUND_TRIPS = 8;

let recording: { link: RecorderLink; rank: number; offset: number; batch: CallRecord[] } | undefined;

/** Whether the launcher asked this rank to record its calls. */
export function recordingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[JOB_ENV.record] === '1';
}

/** Whether calls are being recorded. */
export function isRecording(): boolean {
  return recording !== undefined;
}

/**
 * Measures this rank's clock offset to the launcher and starts recording. Call it before the
 * rank says hello: no other message can arrive from the launcher until then.
 */
export async function startRecording(link: RecorderLink, rank: number): Promise<void> {
  let best = { roundTrip: Infinity, offset: 0 };
  for (let id = 0; id < CLOCK_ROUND_TRIPS; id++) {
    const sent = wallClockNow();
    link.send({ type: 'clock-ping', rank, id });
    const reply = await link.next();
    const received = wallClockNow();
    if (reply.type !== 'clock-pong') throw new Error(`expected clock-pong from the launcher, got ${reply.type}`);
    const roundTrip = received - sent;
    // The launcher read its clock somewhere in the round trip; the middle is the best guess.
    if (roundTrip < best.roundTrip) best = { roundTrip, offset: reply.time - (sent + received) / 2 };
  }
  // Calls are timed with performance.now(): adding timeOrigin puts them on wallClockNow()'s clock,
  // and the measured offset on the launcher's.
  recording = { link, rank, offset: best.offset + performance.timeOrigin, batch: [] };
  setCallSink(record);
  process.once('beforeExit', flushRecords);
}

/** Sends the records not yet sent (at finalize, and before the process exits). */
export function flushRecords(): void {
  if (recording === undefined || recording.batch.length === 0) return;
  recording.link.send({ type: 'call-records', rank: recording.rank, records: recording.batch });
  recording.batch = [];
}

function record(slot: CallSlot, end: number): void {
  const state = recording as NonNullable<typeof recording>;
  state.batch.push({
    call: slot.call,
    on: slot.on,
    args: describeArgs(slot),
    peer: slot.shape === ArgsShape.Span ? -1 : peerOf(slot),
    bytes: slot.bytes,
    ...(slot.algorithm === '' ? {} : { algorithm: slot.algorithm }),
    start: slot.start + state.offset,
    end: end + state.offset,
    ...(slot.messagePeer >= 0 && slot.shape !== ArgsShape.SendRecv ? { message: [slot.messageContext, slot.messagePeer, slot.messageTag] as const } : {}),
  });
  if (state.batch.length >= BATCH_RECORDS) flushRecords();
}
