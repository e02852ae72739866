/**
 * Each collective operation: its argument checks, the choice of algorithm by size and number of
 * ranks (docs/collectives.md states the choices and their costs), and copies where a result would
 * otherwise alias the caller's own argument.
 */
import { TsmpiError } from '../errors.js';
import { cloneValue } from '../codec/value-codec.js';
import { lendBytes, rawArrayKindOf, type RawArray } from '../codec/typed-array-kinds.js';
import { describeSizedValue, describeValue, withArticle } from '../codec/describe-value.js';
import { placeBroadcast } from './place-broadcast.js';
import type { CollectiveScope } from './collective-channel.js';
import { absoluteRank, parentOf, relativeRank } from './binomial-tree.js';
import { barrierDissemination } from './barrier-dissemination.js';
import { forwardToSubtrees } from './bcast-binomial.js';
import { continueScatterAllgather, scatterAllgatherFromRoot, SCATTER_ALLGATHER_VARIANT } from './bcast-scatter-allgather.js';
import { scatterBinomial } from './scatter-binomial.js';
import { gatherBinomial } from './gather-binomial.js';
import { reduceBinomial } from './reduce-binomial.js';
import { allreduceRecursiveDoubling } from './allreduce-recursive-doubling.js';
import { allreduceRing, RING_VARIANT } from './allreduce-ring.js';
import { allreduceLinear } from './allreduce-linear.js';
import { barrierLinear } from './barrier-linear.js';
import { LINEAR_VARIANT, receiveFrom, sendToOthers } from './through-one-rank.js';
import { alltoallPairwise } from './alltoall-pairwise.js';
import { scanRecursiveDoubling } from './scan-recursive-doubling.js';
import { evenCounts, isRawArray, joinArrays, viewsOf } from './typed-array-chunks.js';
import { applyInto, isElementWise, isOp, type Op } from './reduce-op.js';
import { allgatherOnBoard, allreduceOnBoard, alltoallOnBoard, barrierOnBoard, bcastOnBoard, gatherOnBoard, reduceOnBoard, scatterOnBoard } from './board-collectives.js';
import type { Combiner } from './combiner.js';

// Measured on the 2-core machine at 1 MiB (npm run bench, docs/performance.md): the binomial bcast
// and recursive-doubling allreduce took 2.4 and 8 ms at np 4 and 4.3 and 19 ms at np 8, against
// 8.7 and 12 ms and 26 and 79 ms for scatter + allgather and the ring, whose 2(p-1) steps each
// pay a wake-up of an oversubscribed process. The bandwidth algorithms are kept for arrays where
// their smaller traffic wins: at 4 MiB the ring allreduce was the fastest of the ring, recursive
// doubling and reduce + bcast (13 ms against 21 ms at np 4). Where between 1 and 4 MiB each
// crossover lies is not measured.
/** Binary arrays at least this large are broadcast by scatter + allgather (with 4 ranks or more). */
export const BCAST_LARGE_BYTES = 4 * 1024 * 1024;
/** Binary arrays at least this large are allreduced around a ring (with 3 ranks or more). */
export const ALLREDUCE_LARGE_BYTES = 4 * 1024 * 1024;
/**
 * When ranks share cores, with 4 ranks or more, the barrier, bcast of any value, and the allreduce
 * of anything but the ring's arrays go through one rank (barrier-linear.ts, through-one-rank.ts,
 * allreduce-linear.ts). Measured on the 2-core machine: the allreduce took 0.55-0.75 x the time of
 * recursive doubling from 8 bytes to 16 KiB at np 8 (about the same at np 4), and 0.75-0.9 x the
 * time of reduce + bcast (which it replaced) at 256 KiB and np 8 and at 1 MiB and np 4; for bcast
 * see through-one-rank.ts.
 */
const LINEAR_MIN_RANKS = 4;
/**
 * Rank 0 (or the root) sends and receives p - 1 messages in the algorithms through one rank. Only
 * up to 8 ranks were measured; beyond 16 the trees' ⌈lg p⌉ depth should win on any machine.
 */
const LINEAR_MAX_RANKS = 16;

/** Whether the barrier, bcast and small allreduce go through one rank (see LINEAR_MIN_RANKS). */
function throughOneRank(scope: CollectiveScope): boolean {
  return scope.channel.oversubscribed && scope.size >= LINEAR_MIN_RANKS && scope.size <= LINEAR_MAX_RANKS;
}

/** The names --trace gives the algorithms (docs/collectives.md describes each). */
const ALGORITHM = {
  throughOneRank: 'through one rank',
  dissemination: 'dissemination',
  binomialTree: 'binomial tree',
  scatterAllgather: 'scatter + allgather',
  recursiveDoubling: 'recursive doubling',
  ring: 'ring',
  pairwise: 'pairwise',
  gatherBcast: 'gather + bcast',
  gatherThroughOneRank: 'gather + bcast through one rank',
  board: 'shared memory',
  local: 'local',
} as const;

/** Notes the algorithm a call runs where --trace finds it. */
function noteAlgorithm(scope: CollectiveScope, algorithm: (typeof ALGORITHM)[keyof typeof ALGORITHM]): void {
  if (scope.tracked !== undefined) scope.tracked.algorithm = algorithm;
}

/** Blocks until every rank has called barrier(). */
export function barrier(scope: CollectiveScope): Promise<void> {
  if (scope.channel.board !== undefined) {
    noteAlgorithm(scope, ALGORITHM.board);
    return barrierOnBoard(scope);
  }
  if (throughOneRank(scope)) {
    noteAlgorithm(scope, ALGORITHM.throughOneRank);
    return barrierLinear(scope);
  }
  noteAlgorithm(scope, scope.size === 1 ? ALGORITHM.local : ALGORITHM.dissemination);
  return barrierDissemination(scope);
}

/**
 * Resolves on every rank with a copy of the root's value. With `into` (a binary array; at the root
 * the value itself), the value is placed in `into`, which every rank resolves with: on a board a
 * large array is read straight into it, otherwise it is copied into it.
 */
export async function bcast<T>(scope: CollectiveScope, value: T, root: number, into?: T): Promise<T> {
  const { rank, size, channel, call } = scope;
  // The root's result: with `into`, the value is `into` itself, which the root keeps as it is.
  const rootResult = (): T => into ?? cloneValue(value);
  if (size === 1) {
    noteAlgorithm(scope, ALGORITHM.local);
    return rootResult();
  }
  if (channel.board !== undefined) {
    noteAlgorithm(scope, ALGORITHM.board);
    return bcastOnBoard(scope, value, root, into);
  }
  // Every rank knows whether ranks share cores, so each knows whom to receive from.
  if (throughOneRank(scope)) {
    noteAlgorithm(scope, ALGORITHM.throughOneRank);
    if (rank !== root) return placeBroadcast(await receiveFrom<T>(scope, root), into, root);
    await sendToOthers(scope, channel.encode(value));
    return rootResult();
  }
  const relative = relativeRank(rank, root, size);
  if (relative === 0) {
    if (isRawArray(value) && value.byteLength >= BCAST_LARGE_BYTES && size >= 4) {
      noteAlgorithm(scope, ALGORITHM.scatterAllgather);
      const joined = (await scatterAllgatherFromRoot(scope, value, root)) as T;
      return into ?? joined;
    }
    noteAlgorithm(scope, ALGORITHM.binomialTree);
    await forwardToSubtrees(scope, root, channel.encode(value));
    return rootResult();
  }
  // The root's choice of algorithm arrives with the first message each rank gets.
  const message = await channel.recvMessage(call, absoluteRank(parentOf(relative, size) as number, root, size));
  if (message.variant === SCATTER_ALLGATHER_VARIANT) {
    noteAlgorithm(scope, ALGORITHM.scatterAllgather);
    return placeBroadcast((await continueScatterAllgather(scope, root, message.value as RawArray[])) as T, into, root);
  }
  noteAlgorithm(scope, ALGORITHM.binomialTree);
  await forwardToSubtrees(scope, root, channel.encode(message.value));
  return placeBroadcast(message.value as T, into, root);
}

/** Resolves with this rank's element of the root's `values` (one per rank). */
export async function scatter<T>(scope: CollectiveScope, values: readonly T[] | undefined, root: number): Promise<T> {
  if (scope.rank === root) checkOnePerRank('scatter', values, scope.size);
  if (scope.channel.board !== undefined) {
    noteAlgorithm(scope, ALGORITHM.board);
    return scatterOnBoard(scope, values, root);
  }
  noteAlgorithm(scope, ALGORITHM.binomialTree);
  const mine = await scatterBinomial(scope, values, root);
  return scope.rank === root ? cloneValue(mine) : mine;
}

/** At the root, resolves with every rank's value indexed by rank; elsewhere with undefined. */
export function gather<T>(scope: CollectiveScope, value: T, root: number): Promise<T[] | undefined> {
  if (scope.channel.board !== undefined) {
    noteAlgorithm(scope, ALGORITHM.board);
    return gatherOnBoard(scope, value, root);
  }
  noteAlgorithm(scope, ALGORITHM.binomialTree);
  return gatherBinomial(scope, scope.rank === root ? cloneValue(value) : value, root);
}

/** Resolves on every rank with every rank's value indexed by rank. */
export async function allgather<T>(scope: CollectiveScope, value: T): Promise<T[]> {
  if (scope.channel.board !== undefined) {
    noteAlgorithm(scope, ALGORITHM.board);
    return allgatherOnBoard(scope, value);
  }
  const algorithm = throughOneRank(scope) ? ALGORITHM.gatherThroughOneRank : ALGORITHM.gatherBcast;
  const gathered = await gatherBinomial(scope, scope.rank === 0 ? cloneValue(value) : value, 0);
  if (scope.size === 1) return gathered as T[];
  // The gathered array is new at rank 0, so it is broadcast without another copy there.
  if (scope.rank !== 0) {
    const all = await bcast(scope, undefined as unknown as T[], 0);
    noteAlgorithm(scope, algorithm);
    return all;
  }
  noteAlgorithm(scope, algorithm);
  const body = scope.channel.encode(gathered);
  await (throughOneRank(scope) ? sendToOthers(scope, body) : forwardToSubtrees(scope, 0, body));
  return gathered as T[];
}

/** Resolves with the value each rank sent to this one; `values` holds one value per rank. */
export function alltoall<T>(scope: CollectiveScope, values: readonly T[]): Promise<T[]> {
  checkOnePerRank('alltoall', values, scope.size);
  if (scope.channel.board !== undefined) {
    noteAlgorithm(scope, ALGORITHM.board);
    return alltoallOnBoard(scope, values);
  }
  noteAlgorithm(scope, ALGORITHM.pairwise);
  return alltoallPairwise(scope, values);
}

/**
 * At the root, resolves with the combination of every rank's value; elsewhere with undefined. On a
 * board a small array may be combined straight into `into` (a binary array of `value`'s kind and
 * length, or `value` itself), which is then the result.
 */
export async function reduce<T>(scope: CollectiveScope, value: T, op: Op<T>, root: number, into?: T): Promise<T | undefined> {
  if (scope.size === 1) return cloneValue(value);
  if (scope.channel.board !== undefined) {
    noteAlgorithm(scope, ALGORITHM.board);
    return reduceOnBoard(scope, value, withContext(op, 'reduce'), root, isElementWise(op), into);
  }
  noteAlgorithm(scope, ALGORITHM.binomialTree);
  return reduceBinomial(scope, value, withContext(op, 'reduce'), root);
}

/**
 * Resolves on every rank with the combination of every rank's value. On a board, the result of a
 * binary array with an element-wise operator is placed straight into `into` (an array of
 * `value`'s kind and length) when given, and `into` is the result; elsewhere `into` is not used.
 */
export async function allreduce<T>(scope: CollectiveScope, value: T, op: Op<T>, into?: T): Promise<T> {
  if (scope.size === 1) return cloneValue(value);
  if (scope.channel.board !== undefined) {
    noteAlgorithm(scope, ALGORITHM.board);
    return allreduceOnBoard(scope, value, withContext(op, 'allreduce'), isElementWise(op), into);
  }
  return allreduceByMessages(scope, value, op);
}

/**
 * {@link allreduce} with the result placed in `into`, a binary array of `value`'s kind and length
 * (it may be `value` itself), which it resolves with. On a board a large array's result is read
 * straight into it; otherwise the result is copied into it.
 */
export async function allreduceInto<T extends RawArray>(scope: CollectiveScope, value: T, into: T, op: Op<T>): Promise<T> {
  return placeResult('allreduceInto', op, await allreduce(scope, value, op, into), into);
}

/**
 * {@link reduce} with the root's result placed in `into`, which the root resolves with; the other
 * ranks resolve with undefined and leave `into` alone.
 * @throws TsmpiError ERR_ARG at the root, once the reduction has completed on every rank, when
 *   `into` is not a binary array of `value`'s kind and length
 */
export async function reduceInto<T extends RawArray>(scope: CollectiveScope, value: T, into: T | undefined, op: Op<T>, root: number): Promise<T | undefined> {
  const kind = rawArrayKindOf(value);
  const fits = into !== undefined && rawArrayKindOf(into) === kind && into.length === value.length;
  // A buffer that fits is handed down, so that the board can combine into it.
  const result = (await reduce(scope, value, op, root, fits ? into : undefined)) as T;
  if (scope.rank !== root) return undefined;
  if (!fits) {
    throw new TsmpiError('ERR_ARG', `reduceInto needs at the root a buffer of the value's kind and length (${describeSizedValue(value)}), not ${describeSizedValue(into)}`);
  }
  return placeResult('reduceInto', op, result, into);
}

/** Copies `result` into `into` (unless it is `into`), checking that the operator kept its size. */
function placeResult<T extends RawArray>(call: string, op: Op<T>, result: T, into: T): T {
  if (result === into) return into;
  if (rawArrayKindOf(result) === undefined || result.byteLength !== into.byteLength) {
    throw new TsmpiError('ERR_ARG', `${call}(${op.name}): the operator gave ${describeValue(result)} of ${(result as RawArray).byteLength} bytes where the buffer takes ${into.byteLength}`);
  }
  lendBytes(into).set(lendBytes(result));
  return into;
}

async function allreduceByMessages<T>(scope: CollectiveScope, value: T, op: Op<T>): Promise<T> {
  const bytes = isRawArray(value) ? value.byteLength : -1;
  const ring = bytes >= ALLREDUCE_LARGE_BYTES && op.commutative && scope.size >= 3;
  const linear = !ring && throughOneRank(scope);
  // Every rank chooses for itself; the variant in each message makes a disagreement (values of
  // different sizes) an error instead of a hang.
  const variant = ring ? RING_VARIANT : linear ? LINEAR_VARIANT : 0;
  const chosen = { ...scope, call: { ...scope.call, variant } };
  const combining = withContext(op, 'allreduce');
  noteAlgorithm(scope, ring ? ALGORITHM.ring : linear ? ALGORITHM.throughOneRank : ALGORITHM.recursiveDoubling);
  if (ring) return (await allreduceRing(chosen, value as RawArray, combining as unknown as Combiner<RawArray>)) as T;
  if (linear) return allreduceLinear(chosen, value, combining);
  return allreduceRecursiveDoubling(chosen, value, combining);
}

/** Resolves with the combination of the values of ranks 0 to this one. */
export async function scan<T>(scope: CollectiveScope, value: T, op: Op<T>): Promise<T> {
  noteAlgorithm(scope, ALGORITHM.recursiveDoubling);
  return (await scanRecursiveDoubling(scope, value, withContext(op, 'scan'), true)) as T;
}

/** Resolves with the combination of the values of ranks 0 to this one, exclusive (undefined on rank 0). */
export function exscan<T>(scope: CollectiveScope, value: T, op: Op<T>): Promise<T | undefined> {
  noteAlgorithm(scope, ALGORITHM.recursiveDoubling);
  return scanRecursiveDoubling(scope, value, withContext(op, 'exscan'), false);
}

/**
 * Resolves with this rank's piece of the root's binary array: `counts[r]` elements for rank r
 * (default: as even as possible), starting at `displacements[r]` (default: one after another).
 */
export async function scatterv<T extends RawArray>(
  scope: CollectiveScope,
  data: T | undefined,
  counts: readonly number[] | undefined,
  displacements: readonly number[] | undefined,
  root: number,
): Promise<T> {
  let pieces: T[] | undefined;
  if (scope.rank === root) {
    if (!isRawArray(data)) {
      throw new TsmpiError('ERR_ARG', `scatterv(): the root needs a Buffer or TypedArray to split, got ${describeValue(data)}`);
    }
    const pieceCounts = counts ?? evenCounts(data.length, scope.size);
    checkCounts(data, pieceCounts, displacements, scope.size);
    pieces = viewsOf(data, pieceCounts, displacements);
  }
  if (scope.channel.board !== undefined) {
    noteAlgorithm(scope, ALGORITHM.board);
    return scatterOnBoard(scope, pieces, root);
  }
  noteAlgorithm(scope, ALGORITHM.binomialTree);
  const mine = await scatterBinomial(scope, pieces, root);
  return scope.rank === root ? cloneValue(mine) : mine;
}

/**
 * At the root, resolves with every rank's piece joined into one array of the root's kind, in
 * rank order or at `displacements[r]`; elsewhere with undefined.
 */
export async function gatherv<T extends RawArray>(
  scope: CollectiveScope,
  piece: T,
  displacements: readonly number[] | undefined,
  root: number,
): Promise<T | undefined> {
  if (!isRawArray(piece)) throw new TsmpiError('ERR_ARG', `gatherv(): each rank sends a Buffer or TypedArray, got ${describeValue(piece)}`);
  if (displacements !== undefined && displacements.length !== scope.size) {
    throw new TsmpiError('ERR_ARG', `gatherv(): ${displacements.length} displacements given for ${scope.size} ranks`);
  }
  let pieces: T[] | undefined;
  if (scope.channel.board !== undefined) {
    noteAlgorithm(scope, ALGORITHM.board);
    pieces = await gatherOnBoard(scope, piece, root);
  } else {
    noteAlgorithm(scope, ALGORITHM.binomialTree);
    pieces = await gatherBinomial(scope, piece, root);
  }
  if (pieces === undefined) return undefined;
  pieces.forEach((received, rank) => {
    if (received.constructor !== piece.constructor) {
      throw new TsmpiError('ERR_ARG', `gatherv(): rank ${rank} sent ${withArticle(received.constructor.name)} but the root ${withArticle(piece.constructor.name)}`);
    }
  });
  return joinArrays(pieces, piece, displacements);
}

function checkOnePerRank(call: string, values: unknown, size: number): void {
  if (!Array.isArray(values) || values.length !== size) {
    throw new TsmpiError(
      'ERR_ARG',
      `${call}(): needs an array of exactly ${size} values (one per rank), got ${Array.isArray(values) ? `${values.length} values` : describeValue(values)}`,
    );
  }
}

/**
 * Checks that `op` is a reduction operator. Communicators call it before numbering the collective
 * call, so a bad operator throws (or rejects) without using up a call number.
 * @throws TsmpiError ERR_ARG naming `call` when it is not
 */
export function checkOp(call: string, op: unknown): void {
  if (!isOp(op)) {
    throw new TsmpiError('ERR_ARG', `${call}(): ${describeValue(op)} is not a reduction operator (use SUM, MAX, ... or Op.create(fn))`);
  }
}

function checkCounts(data: RawArray, counts: readonly number[], displacements: readonly number[] | undefined, size: number): void {
  if (counts.length !== size) throw new TsmpiError('ERR_ARG', `scatterv(): ${counts.length} counts given for ${size} ranks`);
  if (displacements !== undefined && displacements.length !== size) {
    throw new TsmpiError('ERR_ARG', `scatterv(): ${displacements.length} displacements given for ${size} ranks`);
  }
  let end = 0;
  counts.forEach((count, rank) => {
    const start = displacements === undefined ? end : (displacements[rank] as number);
    if (!Number.isInteger(count) || count < 0 || !Number.isInteger(start) || start < 0 || start + count > data.length) {
      throw new TsmpiError(
        'ERR_ARG',
        `scatterv(): rank ${rank}'s piece (${String(count)} elements at ${String(start)}) does not fit in an array of ${data.length} elements`,
      );
    }
    end = start + count;
  });
}

/** The operator with the collective's name added to the errors it raises. */
function withContext<T>(op: Op<T>, call: string): Combiner<T> {
  const named = (error: unknown): unknown =>
    error instanceof TsmpiError ? new TsmpiError(error.code, `${call}(${op.name}): ${error.message}`, { cause: error }) : error;
  return {
    name: op.name,
    commutative: op.commutative,
    apply: (a: T, b: T): T => {
      try {
        return op.apply(a, b);
      } catch (error) {
        throw named(error);
      }
    },
    applyInto: (a: T, b: T, into: T): T => {
      try {
        return applyInto(op, a, b, into);
      } catch (error) {
        throw named(error);
      }
    },
  };
}

