/**
 * The collectives of a communicator whose ranks all run on one node, on its board in shared
 * memory (node-board.ts) instead of by messages. Every call is one step on the board (a sliced
 * allreduce two): each rank posts its value, if the call has one for it, and once the ranks it
 * needs have posted (every rank, bcast's root, or none for bcast's root and the non-roots of
 * gather and reduce) reads what it needs. A rank posts its next call only once every rank has
 * reached its last one, which is what lets the board reuse its slots. Results are combined in rank
 * order by every rank that needs them, from the same bytes, so every rank gets the same result.
 *
 * Measured on the 2-core machine (docs/performance.md): an 8-byte allreduce at np 8 took 0.4-0.6 ms
 * on the board against 1.6 ms by messages in the same hour; at np 2, 37 against 239 µs. Cost per
 * call: one wake-up per waiting rank, three or four file system calls per rank.
 */
import { TsmpiError } from '../errors.js';
import { cloneValue, decodeBody, encodeBody } from '../codec/value-codec.js';
import { lendBytes, rawArrayKindByCode, rawArrayKindOf, viewReceivedBytes, type RawArray, type RawArrayKind } from '../codec/typed-array-kinds.js';
import { Encoding } from '../codec/message-header.js';
import { auxOf, type CollectiveCall, type CollectiveScope } from './collective-channel.js';
import { EVERY_RANK, NO_RANK, frameTableBytes, type ByteRange, type NodeBoard } from './node-board.js';
import type { Combiner } from './combiner.js';
import { evenCounts, offsetsOf } from './typed-array-chunks.js';
import type { EncodedBody } from '../codec/value-codec.js';
import { placeBroadcast } from './place-broadcast.js';
import { encodeParts, postedPart } from './posted-parts.js';

/**
 * Binary arrays from this size on are allreduced in slices when the operator works element by
 * element: every rank combines 1/p of the array from every rank's and writes it to the board's
 * result, which every rank then reads, in two steps. Below it, every rank combines the whole arrays
 * in one step.
 */
export const BOARD_SLICES_FROM_BYTES = 64 * 1024;

/** The variant of an allreduce in slices (the one-step calls use 0). */
const SLICED_VARIANT = 1;

/**
 * Posts this rank's value for `call` (or nothing) and waits for `awaited` (a rank, EVERY_RANK or
 * NO_RANK) to post theirs, checking that they made the same call.
 * @param releases - other ranks wait for this one alone (bcast's root)
 * @param unread - bytes of this rank's value no other rank reads, which need not be posted
 */
async function oneStep(
  scope: CollectiveScope,
  call: CollectiveCall,
  body: EncodedBody | undefined,
  awaited: number,
  releases = false,
  unread?: ByteRange,
): Promise<NodeBoard> {
  const { channel, size } = scope;
  const board = channel.board as NodeBoard;
  const aux = auxOf(call);
  const mismatch = mismatchOf(scope, call);
  await board.ready(call.seq, aux, mismatch);
  board.post(call.seq, aux, body, unread);
  await board.step(call.seq, aux, mismatch, awaited, releases);
  const first = awaited === EVERY_RANK ? 0 : awaited;
  const end = awaited === EVERY_RANK ? size : awaited === NO_RANK ? awaited : awaited + 1;
  for (let rank = first; rank < end; rank++) {
    const different = channel.mismatch(call, rank, board.auxAt(rank), board.seqAt(rank));
    if (different !== undefined) throw different;
  }
  return board;
}

/** The error a waiting step gets when a rank announced another call numbered like `call`. */
function mismatchOf(scope: CollectiveScope, call: CollectiveCall): (rank: number, theirAux: number) => TsmpiError {
  return (rank, theirAux) =>
    scope.channel.mismatch(call, rank, theirAux) ??
    new TsmpiError('ERR_COLLECTIVE_MISMATCH', `collective call #${call.seq + 1}: rank ${rank} made another call`);
}

/** The value rank `rank` posted for the step just completed. */
function valueOf<T>(board: NodeBoard, rank: number): T {
  const head = board.head(rank);
  return decodeBody(head.encoding, head.kindCode, board.frames(rank)) as T;
}

/** Returns once every rank of the communicator has entered the barrier. */
export function barrierOnBoard(scope: CollectiveScope): Promise<void> {
  return (scope.channel.board as NodeBoard).run(async () => {
    await oneStep(scope, scope.call, undefined, EVERY_RANK);
  });
}

/**
 * Resolves on every rank with a copy of the root's value, or with `into` (at the root the value
 * itself), into which the root's binary array is read straight from the board.
 */
export function bcastOnBoard<T>(scope: CollectiveScope, value: T, root: number, into?: T): Promise<T> {
  const { rank, channel } = scope;
  return (channel.board as NodeBoard).run(async () => {
    // The root waits for nobody; every other rank waits for the root alone.
    const board = await oneStep(scope, scope.call, rank === root ? encodeBody(value) : undefined, rank === root ? NO_RANK : root, rank === root);
    if (rank === root) return into ?? cloneValue(value);
    if (into === undefined) return valueOf<T>(board, root);
    return readArrayInto(board, root, into as RawArray) ? into : placeBroadcast(valueOf<T>(board, root), into, root);
  });
}

/**
 * Reads the binary array rank `rank` posted straight into `into`, if it is one of `into`'s kind and
 * length (false otherwise, and nothing is read).
 */
function readArrayInto(board: NodeBoard, rank: number, into: RawArray): boolean {
  if (!postedArrayLike(board, rank, into)) return false;
  const bytes = lendBytes(into);
  const inline = board.inlineFrame(rank);
  if (inline !== undefined) bytes.set(inline);
  else board.readSpill(rank, 0, bytes);
  return true;
}

/** Whether rank `rank` posted, for the step just completed, a binary array of `like`'s kind and length. */
function postedArrayLike(board: NodeBoard, rank: number, like: RawArray): boolean {
  const head = board.head(rank);
  return head.encoding === Encoding.RawArray && head.kindCode === (rawArrayKindOf(like) as RawArrayKind).code && head.frameCount === 1 && head.bytes === frameTableBytes(1) + like.byteLength;
}

/** At the root, resolves with every rank's value indexed by rank; elsewhere with undefined. */
export function gatherOnBoard<T>(scope: CollectiveScope, value: T, root: number): Promise<T[] | undefined> {
  const { rank, size, channel } = scope;
  return (channel.board as NodeBoard).run(async () => {
    const board = await oneStep(scope, scope.call, encodeBody(value), rank === root ? EVERY_RANK : NO_RANK);
    if (rank !== root) return undefined;
    return Array.from({ length: size }, (_, other) => (other === rank ? cloneValue(value) : valueOf<T>(board, other)));
  });
}

/**
 * Resolves on every rank with its element of the root's `values` (one per rank; at the root a
 * copy). The root posts them as parts, and every other rank reads its own part alone.
 */
export function scatterOnBoard<T>(scope: CollectiveScope, values: readonly T[] | undefined, root: number): Promise<T> {
  const { rank, channel } = scope;
  return (channel.board as NodeBoard).run(async () => {
    const board = await oneStep(scope, scope.call, rank === root ? encodeParts(values as readonly T[], root) : undefined, rank === root ? NO_RANK : root, rank === root);
    return rank === root ? cloneValue((values as readonly T[])[root] as T) : (postedPart(board, root, rank) as T);
  });
}

/**
 * Resolves on every rank with the value each rank gave for it, indexed by rank. Every rank posts
 * its `values` as parts and reads its own part of every other rank's.
 */
export function alltoallOnBoard<T>(scope: CollectiveScope, values: readonly T[]): Promise<T[]> {
  const { rank, size, channel } = scope;
  return (channel.board as NodeBoard).run(async () => {
    const board = await oneStep(scope, scope.call, encodeParts(values, rank), EVERY_RANK);
    return Array.from({ length: size }, (_, other) => (other === rank ? cloneValue(values[rank] as T) : (postedPart(board, other, rank) as T)));
  });
}

/** Resolves on every rank with every rank's value indexed by rank. */
export function allgatherOnBoard<T>(scope: CollectiveScope, value: T): Promise<T[]> {
  const { rank, size, channel } = scope;
  return (channel.board as NodeBoard).run(async () => {
    const board = await oneStep(scope, scope.call, encodeBody(value), EVERY_RANK);
    return Array.from({ length: size }, (_, other) => (other === rank ? cloneValue(value) : valueOf<T>(board, other)));
  });
}

/**
 * At the root, resolves with the combination of every rank's value (combined straight into `into`,
 * an array of `value`'s kind and length, when given and the arrays allow it); elsewhere with
 * undefined.
 */
export function reduceOnBoard<T>(scope: CollectiveScope, value: T, op: Combiner<T>, root: number, elementWise: boolean, into?: T): Promise<T | undefined> {
  const { rank, channel } = scope;
  return (channel.board as NodeBoard).run(async () => {
    const board = await oneStep(scope, scope.call, encodeBody(value), rank === root ? EVERY_RANK : NO_RANK);
    if (rank !== root) return undefined;
    const fast = elementWise ? (combineInPlace(scope, board, value, op, into) ?? (into === undefined ? undefined : combineSpilledInto(scope, board, value as RawArray, op as unknown as Combiner<RawArray>, into as RawArray))) : undefined;
    return (fast as T | undefined) ?? combineAll(scope, board, value, op);
  });
}

/**
 * The root's way of a reduce of large binary arrays into `into` with an element-wise operator:
 * rank 0's array is read (or copied) straight into `into`, and every other rank's in turn into one
 * scratch array and combined into `into`, so that no array is allocated per call. Undefined (so
 * that combineAll runs, and reports any problem) unless every other rank spilled an array of
 * `value`'s kind and length. When `into` is the root's own value and the root is not rank 0, the
 * value is first copied into the second scratch array, as reading rank 0's array overwrites it.
 */
function combineSpilledInto(scope: CollectiveScope, board: NodeBoard, value: RawArray, op: Combiner<RawArray>, into: RawArray): RawArray | undefined {
  const { rank, size } = scope;
  const kind = rawArrayKindOf(value) as RawArrayKind;
  for (let other = 0; other < size; other++) {
    if (other !== rank && (board.head(other).inline || !postedArrayLike(board, other, value))) return undefined;
  }
  const intoBytes = lendBytes(into);
  const [operandBytes, savedBytes] = board.scratch(value.byteLength);
  const operand = kind.view(operandBytes.buffer, 0, value.length);
  let own = value;
  if (into === value && rank !== 0) {
    savedBytes.set(intoBytes);
    own = kind.view(savedBytes.buffer, 0, value.length);
  }
  let accumulated = into;
  for (let other = 0; other < size; other++) {
    if (other === 0) {
      if (rank !== 0) board.readSpill(0, 0, intoBytes);
      else if (into !== value) intoBytes.set(lendBytes(value));
    } else if (other === rank) {
      accumulated = op.applyInto(accumulated, own, accumulated);
    } else {
      board.readSpill(other, 0, operandBytes);
      accumulated = op.applyInto(accumulated, operand, accumulated);
    }
  }
  return accumulated;
}

/**
 * Resolves on every rank with the combination of every rank's value. `elementWise` says that `op`
 * combines binary arrays element by element, so that they can be combined in slices. With such
 * an operator a binary array's result goes into `into` (an array of `value`'s kind and length)
 * when given: a sliced allreduce reads it straight into `into`, a small one combines into it.
 */
export function allreduceOnBoard<T>(scope: CollectiveScope, value: T, op: Combiner<T>, elementWise: boolean, into?: T): Promise<T> {
  const { channel } = scope;
  const sliced = elementWise && rawArrayKindOf(value) !== undefined && (value as RawArray).byteLength >= BOARD_SLICES_FROM_BYTES;
  return (channel.board as NodeBoard).run(async () => {
    if (sliced) return (await allreduceInSlices(scope, value as RawArray, op as unknown as Combiner<RawArray>, into as RawArray | undefined)) as T;
    const board = await oneStep(scope, scope.call, encodeBody(value), EVERY_RANK);
    return (elementWise ? combineInPlace(scope, board, value, op, into) : undefined) ?? combineAll(scope, board, value, op);
  });
}

/**
 * The fast way of {@link combineAll} for a small binary array and an element-wise operator: every
 * other rank's array is combined straight from the board's buffer, where it lies aligned, into
 * one new array (or into `into`, an array of `value`'s kind and length), without decoding each into
 * memory of its own. Undefined (so that combineAll runs and reports the problem) unless every rank
 * posted an array of this rank's kind and length inline.
 */
function combineInPlace<T>(scope: CollectiveScope, board: NodeBoard, value: T, op: Combiner<T>, into?: T): T | undefined {
  const kind = rawArrayKindOf(value);
  if (kind === undefined) return undefined;
  const array = value as RawArray;
  const kindCode = board.head(scope.rank).kindCode;
  const operands: RawArray[] = [];
  for (let rank = 0; rank < scope.size; rank++) {
    if (rank === scope.rank) {
      operands.push(array);
      continue;
    }
    const bytes = board.inlineFrame(rank);
    if (bytes === undefined || bytes.byteLength !== array.byteLength || board.head(rank).kindCode !== kindCode) return undefined;
    operands.push(kind.view(bytes.buffer, bytes.byteOffset, array.length));
  }
  // Memory of its own for the result; the views of the board are read, never written. `into` may
  // be `value` itself (in place), which must then not be overwritten before it is combined: only
  // when it is the first operand.
  const accumulated = into !== undefined && (into !== value || scope.rank === 0) ? (into as RawArray) : viewReceivedBytes(kind, new Uint8Array(array.byteLength));
  accumulated.set(operands[0] as never);
  let result = accumulated as RawArray;
  for (let rank = 1; rank < scope.size; rank++) result = (op as unknown as Combiner<RawArray>).applyInto(result, operands[rank] as RawArray, result);
  return result as T;
}

/**
 * Combines every rank's value in rank order. This rank's own operand is the caller's value, which
 * is never written to; every other operand was read from the board and is this rank's to reuse.
 */
function combineAll<T>(scope: CollectiveScope, board: NodeBoard, value: T, op: Combiner<T>): T {
  let accumulated: T | undefined;
  let owned = false;
  for (let rank = 0; rank < scope.size; rank++) {
    const mine = rank === scope.rank;
    const operand = mine ? value : valueOf<T>(board, rank);
    if (accumulated === undefined) {
      accumulated = operand;
      owned = !mine;
    } else if (!mine) {
      accumulated = op.applyInto(accumulated, operand, operand);
      owned = true;
    } else {
      accumulated = owned ? op.applyInto(accumulated, operand, accumulated) : op.apply(accumulated, operand);
      owned = true;
    }
  }
  return owned ? (accumulated as T) : cloneValue(accumulated as T);
}

/**
 * The allreduce of a large binary array with an element-wise operator: after every rank has
 * posted its array, rank r combines the r-th slice of all of them (in rank order) into the board's
 * result; after a second step every rank reads the whole result. A rank's own slice never goes
 * through the board: each rank writes n and reads 2n(p − 1)/p bytes and combines n/p elements,
 * where combining whole arrays would read p·n and combine p·n. The result is read into `into` when
 * given, else into a new array.
 */
async function allreduceInSlices(scope: CollectiveScope, value: RawArray, op: Combiner<RawArray>, into?: RawArray): Promise<RawArray> {
  const { rank, size } = scope;
  const call = { ...scope.call, variant: SLICED_VARIANT };
  const kind = rawArrayKindOf(value);
  if (kind === undefined) throw new TsmpiError('ERR_ARG', `allreduce(${op.name}): not a binary array`);
  const elementBytes = kind.bytesPerElement;
  const counts = evenCounts(value.length, size);
  const start = (offsetsOf(counts)[rank] as number) * elementBytes;
  const bytes = (counts[rank] as number) * elementBytes;
  // Only this rank combines its own slice, so it is not posted: a copy less each way.
  const board = await oneStep(scope, call, encodeBody(value), EVERY_RANK, false, { offset: start, bytes });
  const mine = board.head(rank);
  for (let other = 0; other < size; other++) {
    const head = board.head(other);
    if (head.kindCode !== mine.kindCode || head.bytes !== mine.bytes) {
      // The frame table precedes the array's bytes.
      const table = frameTableBytes(1);
      throw new TsmpiError(
        'ERR_ARG',
        `allreduce(${op.name}): rank ${rank} passed a ${kind.name} of ${mine.bytes - table} bytes but rank ${other} ` +
          `a ${rawArrayKindByCode(head.kindCode)?.name ?? 'binary array'} of ${head.bytes - table} bytes; every rank must pass arrays of the same kind and length`,
      );
    }
  }
  const [accumulatedBytes, operandBytes] = board.scratch(bytes);
  let accumulated = kind.view(accumulatedBytes.buffer, 0, counts[rank] as number);
  const operand = kind.view(operandBytes.buffer, 0, counts[rank] as number);
  const ownSlice = value.subarray(start / elementBytes, (start + bytes) / elementBytes) as RawArray;
  for (let other = 0; other < size; other++) {
    if (other === 0) {
      if (rank === 0) accumulatedBytes.set(new Uint8Array(ownSlice.buffer, ownSlice.byteOffset, bytes));
      else board.readSpill(0, start, accumulatedBytes);
    } else if (other === rank) {
      accumulated = op.applyInto(accumulated, ownSlice, accumulated);
    } else {
      board.readSpill(other, start, operandBytes);
      accumulated = op.applyInto(accumulated, operand, accumulated);
    }
  }
  const combined = new Uint8Array(accumulated.buffer, accumulated.byteOffset, bytes);
  board.writeResult(start, combined);
  await board.step(call.seq, auxOf(call), mismatchOf(scope, call), EVERY_RANK);
  // Memory of its own, not zeroed: the whole of it is filled next.
  const result = into === undefined ? Buffer.allocUnsafeSlow(value.byteLength) : new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
  // This rank's slice is still in its scratch array: the others' slices come from the board.
  board.readResult(result.subarray(0, start), 0);
  result.set(combined, start);
  board.readResult(result.subarray(start + bytes), start + bytes);
  return into ?? viewReceivedBytes(kind, result as Buffer);
}
