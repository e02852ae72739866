/**
 * The binomial tree over ranks relative to a root (relative rank 0 is the root), as MPICH and
 * Open MPI use it for small-message bcast, scatter, gather and reduce: ⌈lg p⌉ levels, and the
 * subtree under relative rank v holds the contiguous relative ranks v .. v + subtreeSize - 1.
 */

/** Rank relative to `root`. */
export function relativeRank(rank: number, root: number, size: number): number {
  return (rank - root + size) % size;
}

/** Rank from a relative rank. */
export function absoluteRank(relative: number, root: number, size: number): number {
  return (relative + root) % size;
}

/** The lowest set bit of a non-root relative rank: the mask that links it to its parent. */
function parentMask(relative: number, size: number): number {
  let mask = 1;
  while (mask < size && (relative & mask) === 0) mask <<= 1;
  return mask;
}

/** Parent of relative rank `relative` (undefined for the root). */
export function parentOf(relative: number, size: number): number | undefined {
  if (relative === 0) return undefined;
  return relative - parentMask(relative, size);
}

/**
 * Children of relative rank `relative`, nearest subtree first (relative + 1, + 2, + 4, ...): the
 * order in which gather and reduce collect contiguous blocks.
 */
export function childrenOf(relative: number, size: number): number[] {
  const limit = relative === 0 ? nextPowerOfTwo(size) : parentMask(relative, size);
  const children: number[] = [];
  for (let mask = 1; mask < limit; mask <<= 1) {
    if (relative + mask < size) children.push(relative + mask);
  }
  return children;
}

/** Number of relative ranks in the subtree rooted at `relative`. */
export function subtreeSize(relative: number, size: number): number {
  const span = relative === 0 ? nextPowerOfTwo(size) : parentMask(relative, size);
  return Math.min(span, size - relative);
}

function nextPowerOfTwo(n: number): number {
  let power = 1;
  while (power < n) power <<= 1;
  return power;
}
