/**
 * Recursive-doubling scan (MPICH's algorithm): in round k each rank exchanges its partial sum with
 * the rank at distance 2^k, adding what comes from below to its result. Operands stay in rank order.
 * Inclusive scan gives rank r the combination of ranks 0..r; exclusive gives 0..r-1 (nothing on 0).
 * Cost: ⌈lg p⌉ · (α + n·β + 2n·γ).
 */
import type { CollectiveScope } from './collective-channel.js';
import type { Combiner } from './combiner.js';
import { cloneValue } from '../codec/value-codec.js';

/** Resolves with the prefix combination for this rank (undefined on rank 0 when exclusive). */
export async function scanRecursiveDoubling<T>({ rank, size, channel, call }: CollectiveScope, value: T, op: Combiner<T>, inclusive: boolean): Promise<T | undefined> {
  let partial = value;
  let result: T | undefined = inclusive ? cloneValue(value) : undefined;
  for (let mask = 1; mask < size; mask <<= 1) {
    const partner = rank ^ mask;
    if (partner >= size) continue;
    const received = (await channel.exchange(call, partner, partial, partner)) as T;
    if (partner < rank) {
      partial = op.apply(received, partial);
      result = result === undefined ? received : op.apply(received, result);
    } else {
      partial = op.apply(partial, received);
    }
  }
  return result;
}
