/**
 * Binomial-tree broadcast: the root sends to the roots of its subtrees, largest first, and every
 * rank forwards what it received to its own subtrees. The value is encoded once per rank.
 * Cost: ⌈lg p⌉ · (α + n·β).
 */
import type { CollectiveScope } from './collective-channel.js';
import type { EncodedBody } from '../codec/value-codec.js';
import { absoluteRank, childrenOf, relativeRank } from './binomial-tree.js';

/** Sends an encoded value down the subtrees of this rank. */
export async function forwardToSubtrees(scope: CollectiveScope, root: number, body: EncodedBody): Promise<void> {
  const { rank, size, channel, call } = scope;
  const relative = relativeRank(rank, root, size);
  // Farthest subtree first: it is the largest, so it should start earliest.
  const children = childrenOf(relative, size).reverse();
  await Promise.all(children.map((child) => channel.sendEncoded(call, absoluteRank(child, root, size), body)));
}
