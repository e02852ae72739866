/**
 * Allreduce as a binomial reduce to rank 0 followed by a binomial bcast from it, for ranks that
 * share cores. Recursive doubling needs fewer rounds (lg p against 2 lg p), but every rank sends
 * and combines in every round: p lg p messages and combinations, all of whose processes must be
 * woken in each round. The trees send 2(p - 1) messages and combine p - 1 times, which is what
 * an oversubscribed node pays for: on the 2-core machine at np 4 and 8, 64 KiB to 1 MiB, this
 * took 0.6-0.75 x the time of recursive doubling (docs/performance.md).
 * Cost: 2⌈lg p⌉ · (α + n·β) + ⌈lg p⌉ · n·γ.
 */
import type { CollectiveScope } from './collective-channel.js';
import type { Combiner } from './combiner.js';
import { reduceBinomial } from './reduce-binomial.js';
import { forwardToSubtrees } from './bcast-binomial.js';
import { parentOf } from './binomial-tree.js';

/** The variant bit that tells receivers this algorithm is in use. */
export const REDUCE_BCAST_VARIANT = 1;

/** Resolves on every rank with the combination of every rank's value. */
export async function allreduceReduceBcast<T>(scope: CollectiveScope, value: T, op: Combiner<T>): Promise<T> {
  const { rank, size, channel } = scope;
  const call = { ...scope.call, variant: REDUCE_BCAST_VARIANT };
  const tree = { ...scope, call };
  const reduced = await reduceBinomial(tree, value, op, 0);
  // Rank 0 is the root, so relative ranks are the ranks themselves.
  const result = rank === 0 ? (reduced as T) : ((await channel.recv(call, parentOf(rank, size) as number)) as T);
  await forwardToSubtrees(tree, 0, channel.encode(result));
  return result;
}
