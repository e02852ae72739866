/**
 * Ring allreduce for large binary arrays and commutative operators: a reduce-scatter around the
 * ring leaves each rank with one fully combined piece, and an allgather around the ring gives
 * every rank all pieces. Each rank sends 2n(p-1)/p bytes in total, the bandwidth lower bound.
 * Cost: 2(p-1) · α + 2n(p-1)/p · β + n(p-1)/p · γ.
 */
import type { CollectiveScope } from './collective-channel.js';
import type { RawArray } from '../codec/typed-array-kinds.js';
import type { Combiner } from './combiner.js';
import { evenCounts, joinArrays, viewsOf } from './typed-array-chunks.js';

/** The variant bit that tells receivers this algorithm is in use. */
export const RING_VARIANT = 2;

/** Resolves on every rank with the element-wise combination of every rank's array. */
export async function allreduceRing<T extends RawArray>(scope: CollectiveScope, array: T, op: Combiner<T>): Promise<T> {
  const { rank, size, channel } = scope;
  const call = { ...scope.call, variant: RING_VARIANT };
  const pieces = viewsOf(array, evenCounts(array.length, size));
  const right = (rank + 1) % size;
  const left = (rank - 1 + size) % size;

  // Reduce-scatter: after step s, piece (rank - s - 1) holds the sum of s + 2 ranks' pieces.
  for (let step = 0; step < size - 1; step++) {
    const sendIndex = (rank - step + size) % size;
    const receiveIndex = (rank - step - 1 + size) % size;
    const received = (await channel.exchange(call, right, pieces[sendIndex], left)) as T;
    pieces[receiveIndex] = op.applyInto(received, pieces[receiveIndex] as T, received);
  }
  // Allgather: rank holds the complete piece (rank + 1); pass complete pieces around.
  for (let step = 0; step < size - 1; step++) {
    const sendIndex = (rank + 1 - step + size) % size;
    const receiveIndex = (rank - step + size) % size;
    pieces[receiveIndex] = (await channel.exchange(call, right, pieces[sendIndex], left)) as T;
  }
  return joinArrays(pieces, array);
}
