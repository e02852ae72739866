/**
 * Broadcast straight from the root, for ranks that share cores: the root sends the value to every
 * other rank itself. The same p - 1 messages as the binomial tree, but no rank has to be woken to
 * forward them before its subtree can start. On the 2-core machine: 8 bytes at np 8 took 0.8-0.9 x
 * the tree's time and 1 MiB about the same; 4 MiB at np 4 half the time of scatter + allgather,
 * which moves twice the bytes (docs/collectives.md). A variant that sent large values down the tree
 * (the root telling the other ranks so with an empty message) was slower than this at 64 KiB to
 * 1 MiB, np 4 and 8, in interleaved runs: the empty message costs those ranks a wake-up of its own.
 * Cost: α + (p - 1)·n·β, all of it at the root.
 */
import type { CollectiveScope } from './collective-channel.js';
import type { EncodedBody } from '../codec/value-codec.js';
import { LINEAR_VARIANT } from './allreduce-linear.js';

/** At the root: sends the encoded value to every other rank. */
export async function sendToAllFromRoot(scope: CollectiveScope, body: EncodedBody): Promise<void> {
  const { rank, size, channel } = scope;
  const call = { ...scope.call, variant: LINEAR_VARIANT };
  const others = Array.from({ length: size - 1 }, (_, index) => (index < rank ? index : index + 1));
  await Promise.all(others.map((other) => channel.sendEncoded(call, other, body)));
}

/** Elsewhere: resolves with the value the root sent. */
export async function receiveFromRoot<T>(scope: CollectiveScope, root: number): Promise<T> {
  return (await scope.channel.recv({ ...scope.call, variant: LINEAR_VARIANT }, root)) as T;
}
