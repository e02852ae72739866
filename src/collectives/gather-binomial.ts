/**
 * Binomial-tree gather: every rank collects the values of its subtree (contiguous relative
 * ranks), nearest subtree first, and sends the block to its parent in one message.
 * Cost: ⌈lg p⌉ · α + n(p-1)/p · β (n the total size).
 */
import type { CollectiveScope } from './collective-channel.js';
import { absoluteRank, childrenOf, parentOf, relativeRank } from './binomial-tree.js';

/** At the root, resolves with every rank's value indexed by rank; elsewhere with undefined. */
export async function gatherBinomial<T>(scope: CollectiveScope, value: T, root: number): Promise<T[] | undefined> {
  const { rank, size, channel, call } = scope;
  const relative = relativeRank(rank, root, size);
  const blocks = await Promise.all(
    childrenOf(relative, size).map((child) => channel.recv(call, absoluteRank(child, root, size)) as Promise<T[]>),
  );
  const block = [value, ...blocks.flat(1)];
  const parent = parentOf(relative, size);
  if (parent !== undefined) {
    await channel.send(call, absoluteRank(parent, root, size), block);
    return undefined;
  }
  return Array.from({ length: size }, (_, r) => block[relativeRank(r, root, size)] as T);
}
