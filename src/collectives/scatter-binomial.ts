/**
 * Binomial-tree scatter: the root sends each subtree the values of all its ranks in one message;
 * every rank keeps its own value and passes the rest on.
 * Cost: ⌈lg p⌉ · α + n(p-1)/p · β (n the total size).
 */
import type { CollectiveScope } from './collective-channel.js';
import { absoluteRank, childrenOf, parentOf, relativeRank, subtreeSize } from './binomial-tree.js';

/**
 * Resolves with this rank's value. `values` (one per rank, indexed by rank) is read at the root
 * only.
 */
export async function scatterBinomial<T>(scope: CollectiveScope, values: readonly T[] | undefined, root: number): Promise<T> {
  const { rank, size, channel, call } = scope;
  const relative = relativeRank(rank, root, size);
  let block: readonly T[];
  if (relative === 0) {
    block = Array.from({ length: size }, (_, r) => (values as readonly T[])[absoluteRank(r, root, size)] as T);
  } else {
    block = (await channel.recv(call, absoluteRank(parentOf(relative, size) as number, root, size))) as T[];
  }
  await Promise.all(
    childrenOf(relative, size).map((child) => {
      const offset = child - relative;
      return channel.send(call, absoluteRank(child, root, size), block.slice(offset, offset + subtreeSize(child, size)));
    }),
  );
  return block[0] as T;
}
