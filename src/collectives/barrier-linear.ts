/**
 * Barrier through rank 0, for ranks that share cores: every other rank tells rank 0 it has
 * arrived and waits for its release. 2(p - 1) messages against the dissemination barrier's
 * p·⌈lg p⌉, and every rank other than 0 waits once instead of once per round; on an
 * oversubscribed node each wait is a process wake-up (see allreduce-linear.ts).
 * Cost: 2 · α, with 2(p - 1) messages at rank 0.
 */
import type { CollectiveScope } from './collective-channel.js';
import { LINEAR_VARIANT } from './allreduce-linear.js';

/** Returns once every rank of the communicator has entered the barrier. */
export async function barrierLinear(scope: CollectiveScope): Promise<void> {
  const { rank, size, channel } = scope;
  const call = { ...scope.call, variant: LINEAR_VARIANT };
  if (rank !== 0) {
    await channel.send(call, 0, null);
    await channel.recv(call, 0);
    return;
  }
  await Promise.all(Array.from({ length: size - 1 }, (_, index) => channel.recv(call, index + 1)));
  const release = channel.encode(null);
  await Promise.all(Array.from({ length: size - 1 }, (_, index) => channel.sendEncoded(call, index + 1, release)));
}
