/**
 * A rank's answer to the launcher's "what are you waiting in?" (deadlock reports): the calls in
 * progress with their arguments and how long they have lasted. The rank answers from its event
 * loop, which is free while it awaits a call, so a rank stuck in a receive answers at once; a
 * rank that computes without awaiting answers late or not at all, which the launcher reports.
 */
import { performance } from 'node:perf_hooks';
import type { StatusMessage, StatusRequestMessage } from '../protocol/control-messages.js';
import { ArgsShape, callsInProgress, describeCall } from './call-tracker.js';

/** The status message that answers `request`. */
export function statusAnswer(rank: number, request: StatusRequestMessage, finalized: boolean): StatusMessage {
  const now = performance.now();
  const calls = callsInProgress()
    .filter((slot) => slot.shape !== ArgsShape.Span)
    .map((slot) => ({ call: describeCall(slot), seconds: (now - slot.start) / 1000, pending: slot.pending }));
  return { type: 'status', rank, id: request.id, finalized, calls };
}
