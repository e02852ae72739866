/**
 * Binomial-tree reduce: every rank combines the results of its subtrees, nearest first, and sends
 * the result to its parent. Relative ranks keep the operands in rank order only when the root is
 * rank 0, so a non-commutative operator reduces to rank 0 and the result goes on to the root.
 * Cost: ⌈lg p⌉ · (α + n·β + n·γ).
 */
import type { CollectiveScope } from './collective-channel.js';
import type { Combiner } from './combiner.js';
import { absoluteRank, childrenOf, parentOf, relativeRank } from './binomial-tree.js';

/** At the root, resolves with the combination of every rank's value; elsewhere with undefined. */
export async function reduceBinomial<T>(scope: CollectiveScope, value: T, op: Combiner<T>, root: number): Promise<T | undefined> {
  const { rank, channel, call } = scope;
  const treeRoot = op.commutative ? root : 0;
  const result = await reduceToTreeRoot(scope, value, op, treeRoot);
  if (treeRoot === root) return result;
  if (rank === treeRoot) await channel.send(call, root, result);
  if (rank === root) return (await channel.recv(call, treeRoot)) as T;
  return undefined;
}

async function reduceToTreeRoot<T>({ rank, size, channel, call }: CollectiveScope, value: T, op: Combiner<T>, root: number): Promise<T | undefined> {
  const relative = relativeRank(rank, root, size);
  let accumulated = value;
  // Subtrees arrive in any order but are combined nearest first, which keeps rank order.
  const partials = childrenOf(relative, size).map((child) => channel.recv(call, absoluteRank(child, root, size)) as Promise<T>);
  for (const partial of partials) {
    const received = await partial;
    accumulated = op.applyInto(accumulated, received, received);
  }
  const parent = parentOf(relative, size);
  if (parent === undefined) return accumulated;
  await channel.send(call, absoluteRank(parent, root, size), accumulated);
  return undefined;
}
