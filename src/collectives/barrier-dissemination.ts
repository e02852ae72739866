/**
 * Dissemination barrier: in round k each rank signals rank + 2^k and waits for rank - 2^k, so
 * after ⌈lg p⌉ rounds every rank has heard, directly or not, from every other.
 * Cost: ⌈lg p⌉ · α.
 */
import type { CollectiveScope } from './collective-channel.js';

/** Returns once every rank of the communicator has entered the barrier. */
export async function barrierDissemination({ rank, size, channel, call }: CollectiveScope): Promise<void> {
  for (let distance = 1; distance < size; distance <<= 1) {
    await channel.exchange(call, (rank + distance) % size, null, (rank - distance + size) % size);
  }
}
