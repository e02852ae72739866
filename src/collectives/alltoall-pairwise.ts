/**
 * Pairwise-exchange alltoall: in step k each rank sends to rank + k and receives from rank - k,
 * so every pair meets exactly once and no rank is flooded.
 * Cost: (p-1) · α + n(p-1)/p · β (n the total size per rank).
 */
import type { CollectiveScope } from './collective-channel.js';
import { cloneValue } from '../codec/value-codec.js';

/** Resolves with the value every rank sent to this one, indexed by sender. */
export async function alltoallPairwise<T>({ rank, size, channel, call }: CollectiveScope, values: readonly T[]): Promise<T[]> {
  const received = new Array<T>(size);
  received[rank] = cloneValue(values[rank] as T);
  for (let step = 1; step < size; step++) {
    const dest = (rank + step) % size;
    const source = (rank - step + size) % size;
    received[source] = (await channel.exchange(call, dest, values[dest], source)) as T;
  }
  return received;
}
