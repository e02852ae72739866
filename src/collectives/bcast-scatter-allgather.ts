/**
 * Broadcast of a large binary array in two phases, as MPICH does for long messages: a binomial
 * scatter of p pieces, then a ring allgather of the pieces. Each rank sends and receives about
 * 2n(p-1)/p bytes instead of n·lg p.
 * Cost: (lg p + p - 1) · α + 2n(p-1)/p · β.
 */
import type { CollectiveScope } from './collective-channel.js';
import type { RawArray } from '../codec/typed-array-kinds.js';
import { absoluteRank, childrenOf, relativeRank, subtreeSize } from './binomial-tree.js';
import { evenCounts, joinArrays, viewsOf } from './typed-array-chunks.js';

/** The variant bit that tells receivers this algorithm is in use. */
export const SCATTER_ALLGATHER_VARIANT = 1;

/** At the root: splits `array` and starts both phases; resolves with a copy of the whole. */
export async function scatterAllgatherFromRoot<T extends RawArray>(scope: CollectiveScope, array: T, root: number): Promise<T> {
  // Pieces in relative-rank order: piece i goes to relative rank i.
  const pieces = viewsOf(array, evenCounts(array.length, scope.size));
  return continueScatterAllgather(scope, root, pieces);
}

/**
 * On any rank, once it holds the pieces of its subtree (piece 0 its own): forwards the rest down
 * the tree, runs the ring, and joins all pieces.
 */
export async function continueScatterAllgather<T extends RawArray>(scope: CollectiveScope, root: number, subtreePieces: readonly T[]): Promise<T> {
  const { rank, size, channel } = scope;
  const call = { ...scope.call, variant: SCATTER_ALLGATHER_VARIANT };
  const relative = relativeRank(rank, root, size);

  await Promise.all(
    childrenOf(relative, size).map((child) => {
      const offset = child - relative;
      const block = subtreePieces.slice(offset, offset + subtreeSize(child, size));
      return channel.send(call, absoluteRank(child, root, size), block);
    }),
  );

  const pieces: T[] = new Array<T>(size);
  pieces[relative] = subtreePieces[0] as T;
  const right = absoluteRank((relative + 1) % size, root, size);
  const left = absoluteRank((relative - 1 + size) % size, root, size);
  for (let step = 0; step < size - 1; step++) {
    const sendIndex = (relative - step + size) % size;
    const receiveIndex = (relative - step - 1 + size) % size;
    pieces[receiveIndex] = (await channel.exchange(call, right, pieces[sendIndex], left)) as T;
  }
  return joinArrays(pieces, subtreePieces[0] as T);
}
