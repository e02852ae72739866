/**
 * Barrier through rank 0, for ranks that share cores: every other rank tells rank 0 it has
 * arrived and waits for its release. 2(p - 1) messages against the dissemination barrier's
 * p·⌈lg p⌉, and every rank other than 0 waits once instead of once per round; on an
 * oversubscribed node each wait is a process wake-up (see through-one-rank.ts).
 * Cost: 2 · α, with 2(p - 1) messages at rank 0.
 */
import type { CollectiveScope } from './collective-channel.js';
import { receiveFrom, receiveFromOthers, sendTo, sendToOthers } from './through-one-rank.js';

/** Returns once every rank of the communicator has entered the barrier. */
export async function barrierLinear(scope: CollectiveScope): Promise<void> {
  if (scope.rank !== 0) {
    await sendTo(scope, 0, null);
    await receiveFrom(scope, 0);
    return;
  }
  await Promise.all(receiveFromOthers(scope));
  await sendToOthers(scope, scope.channel.encode(null));
}
