/**
 * Allreduce through rank 0, for ranks that share cores: every other rank sends its value to rank
 * 0, which combines them in rank order (into the buffers it received) and sends the result back to
 * each. It sends 2(p - 1) messages, as a binomial reduce and bcast would, but every rank other than
 * 0 waits once, where the trees and recursive doubling make it wait once per level; on an
 * oversubscribed node each wait is a process wake-up. On the 2-core machine this took 0.55-0.75 x
 * the time of recursive doubling at 8 bytes and np 8, and 0.75-0.9 x that of reduce + bcast at
 * 256 KiB and np 8 and at 1 MiB and np 4 (docs/collectives.md).
 * Cost: 2 · α + 2(p - 1) · n·β + (p - 1) · n·γ, all of it at rank 0.
 */
import type { CollectiveScope } from './collective-channel.js';
import type { Combiner } from './combiner.js';
import { receiveFrom, receiveFromOthers, sendTo, sendToOthers } from './through-one-rank.js';

/** Resolves on every rank with the combination of every rank's value. */
export async function allreduceLinear<T>(scope: CollectiveScope, value: T, op: Combiner<T>): Promise<T> {
  if (scope.rank !== 0) {
    await sendTo(scope, 0, value);
    return receiveFrom<T>(scope, 0);
  }
  // Combined in rank order, into the buffers received; the caller's value is never written to.
  let accumulated = value;
  for (const arrival of receiveFromOthers<T>(scope)) {
    const received = await arrival;
    accumulated = op.applyInto(accumulated, received, received);
  }
  await sendToOthers(scope, scope.channel.encode(accumulated));
  return accumulated;
}
