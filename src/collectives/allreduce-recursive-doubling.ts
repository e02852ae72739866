/**
 * Recursive-doubling allreduce, with MPICH's fold for sizes that are not a power of two: the
 * first 2·rem ranks pair up so that a power of two remain, those exchange and combine with
 * partners at distance 1, 2, 4, ..., and the folded ranks get the result back. Operands are
 * combined in rank order, so it is correct for non-commutative operators too.
 * Cost: (⌊lg p⌋ + 2) · (α + n·β + n·γ) at most.
 */
import type { CollectiveScope } from './collective-channel.js';
import type { Combiner } from './combiner.js';

/** Resolves on every rank with the combination of every rank's value. */
export async function allreduceRecursiveDoubling<T>({ rank, size, channel, call }: CollectiveScope, value: T, op: Combiner<T>): Promise<T> {
  let powerOfTwo = 1;
  while (powerOfTwo * 2 <= size) powerOfTwo *= 2;
  const rem = size - powerOfTwo;

  let accumulated = value;
  let newRank: number;
  if (rank < 2 * rem) {
    if (rank % 2 === 0) {
      await channel.send(call, rank + 1, accumulated);
      newRank = -1;
    } else {
      const received = (await channel.recv(call, rank - 1)) as T;
      accumulated = op.applyInto(received, accumulated, received);
      newRank = rank >> 1;
    }
  } else {
    newRank = rank - rem;
  }

  if (newRank >= 0) {
    for (let mask = 1; mask < powerOfTwo; mask <<= 1) {
      const newPartner = newRank ^ mask;
      const partner = newPartner < rem ? newPartner * 2 + 1 : newPartner + rem;
      const received = (await channel.exchange(call, partner, accumulated, partner)) as T;
      accumulated = partner < rank ? op.applyInto(received, accumulated, received) : op.applyInto(accumulated, received, received);
    }
  }

  if (rank < 2 * rem) {
    if (rank % 2 === 1) await channel.send(call, rank - 1, accumulated);
    else accumulated = (await channel.recv(call, rank + 1)) as T;
  }
  return accumulated;
}
