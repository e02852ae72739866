/**
 * Splitting a binary array into per-rank pieces and joining pieces back, for the algorithms that
 * move large arrays in parts (scatter + allgather, ring allreduce, scatterv, gatherv).
 */
import { TsmpiError } from '../errors.js';
import { rawArrayKindOf, type RawArray } from '../codec/typed-array-kinds.js';

/** True for a Buffer or a TypedArray tsmpi sends raw. */
export function isRawArray(value: unknown): value is RawArray {
  return rawArrayKindOf(value) !== undefined;
}

/** `length` elements split into `parts` counts that differ by at most one, larger ones first. */
export function evenCounts(length: number, parts: number): number[] {
  const base = Math.floor(length / parts);
  const extra = length % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Offsets of consecutive pieces of the given counts. */
export function offsetsOf(counts: readonly number[]): number[] {
  const offsets: number[] = [];
  let offset = 0;
  for (const count of counts) {
    offsets.push(offset);
    offset += count;
  }
  return offsets;
}

/** Views of `array` (no copies) with the given counts at the given element offsets. */
export function viewsOf<T extends RawArray>(array: T, counts: readonly number[], offsets: readonly number[] = offsetsOf(counts)): T[] {
  return counts.map((count, i) => array.subarray(offsets[i] as number, (offsets[i] as number) + count) as T);
}

/**
 * Joins pieces into one new array of the same kind as `like`. With `offsets`, piece i goes at
 * element offsets[i] of an array long enough for all of them; otherwise pieces follow each other.
 */
export function joinArrays<T extends RawArray>(pieces: readonly T[], like: T, offsets?: readonly number[]): T {
  const placed = offsets ?? offsetsOf(pieces.map((piece) => piece.length));
  let length = 0;
  pieces.forEach((piece, i) => (length = Math.max(length, (placed[i] as number) + piece.length)));
  const joined = (Buffer.isBuffer(like) ? Buffer.alloc(length) : new (like.constructor as new (n: number) => T)(length)) as T;
  pieces.forEach((piece, i) => {
    if (piece.constructor !== like.constructor) {
      throw new TsmpiError('ERR_ARG', `cannot join a ${piece.constructor.name} with a ${like.constructor.name}`);
    }
    (joined as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(piece as ArrayLike<unknown>, placed[i] as number);
  });
  return joined;
}
