/**
 * What the collectives for ranks that share cores have in common: one rank (rank 0, or bcast's
 * root) exchanges a message with every other rank, and every other rank waits once. Their
 * messages carry LINEAR_VARIANT, so a rank that chose another algorithm gets an error, not a hang.
 *
 * Used by barrier-linear.ts, allreduce-linear.ts, and bcast and allgather's bcast
 * (collective-operations.ts), which send straight from the root: the same p - 1 messages as the binomial tree, but no rank has to
 * be woken to forward them. On the 2-core machine, bcast of 8 bytes at np 8 took 0.8-0.9 x the
 * tree's time and 1 MiB about the same; 4 MiB at np 4 half the time of scatter + allgather, which
 * moves twice the bytes (docs/collectives.md). A variant that sent large values down the tree (the
 * root telling the other ranks so with an empty message) was slower at 64 KiB to 1 MiB, np 4 and
 * 8, in interleaved runs: the empty message cost those ranks a wake-up of its own.
 */
import type { CollectiveScope } from './collective-channel.js';
import type { EncodedBody } from '../codec/value-codec.js';

/** The variant bit that tells receivers an algorithm through one rank is in use. */
export const LINEAR_VARIANT = 3;

function linear(scope: CollectiveScope): CollectiveScope['call'] {
  return { ...scope.call, variant: LINEAR_VARIANT };
}

/** Sends `value` to communicator rank `dest`. */
export function sendTo(scope: CollectiveScope, dest: number, value: unknown): Promise<void> {
  return scope.channel.send(linear(scope), dest, value);
}

/** Sends an encoded value from this rank to every other rank. */
export async function sendToOthers(scope: CollectiveScope, body: EncodedBody): Promise<void> {
  const { rank, size, channel } = scope;
  const call = linear(scope);
  const others = Array.from({ length: size - 1 }, (_, index) => (index < rank ? index : index + 1));
  await Promise.all(others.map((other) => channel.sendEncoded(call, other, body)));
}

/** Resolves with the value communicator rank `source` sent. */
export function receiveFrom<T>(scope: CollectiveScope, source: number): Promise<T> {
  return scope.channel.recv(linear(scope), source) as Promise<T>;
}

/** At rank 0: one receive from each other rank, in rank order (they may arrive in any order). */
export function receiveFromOthers<T>(scope: CollectiveScope): Promise<T>[] {
  const call = linear(scope);
  return Array.from({ length: scope.size - 1 }, (_, index) => scope.channel.recv(call, index + 1) as Promise<T>);
}
