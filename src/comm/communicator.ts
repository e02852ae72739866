/**
 * A communicator: a group of ranks and a private context for their messages. Point-to-point
 * calls are named and ordered as in mpi4py's lowercase API, in camelCase, and are all
 * asynchronous.
 */
import { TsmpiError } from '../errors.js';
import { Encoding } from '../codec/message-header.js';
import { bodySize, decodeBody, encodeBody } from '../codec/value-codec.js';
import { ANY_SOURCE, ANY_TAG, type Envelope } from '../matching/matching-engine.js';
import type { Messenger } from './messenger.js';
import { Request, type Completion } from './request.js';
import { Status } from './status.js';
import { lendBytes, rawArrayKindOf, type RawArray, type RawArrayKind } from '../codec/typed-array-kinds.js';
import { describeSizedValue, describeValue } from '../codec/describe-value.js';
import { CollectiveChannel, NO_ROOT, type CollectiveKind, type CollectiveScope } from '../collectives/collective-channel.js';
import * as collectives from '../collectives/collective-operations.js';
import { SUM, type Op } from '../collectives/reduce-op.js';
import { ArgsShape, beginCall, endCall, noteMessage, trackCall, type CallSlot } from '../observe/call-tracker.js';

export { ANY_SOURCE, ANY_TAG };
/** A rank that sends and receives nothing: sends to it complete at once, receives get undefined. */
export const PROC_NULL = -2;
/** The largest tag a message can carry. */
export const TAG_UB = 0x7fffffff;
/** The color of a rank that takes part in split() but joins no new communicator. */
export const UNDEFINED = -32766;

/** How a communicator maps its ranks to world ranks and which context ids it owns. */
export interface CommLayout {
  /** World rank of each rank of the communicator, indexed by communicator rank. */
  readonly worldRanks: readonly number[];
  /** This process's rank in the communicator. */
  readonly rank: number;
  /** Context id for point-to-point traffic. */
  readonly pointToPointContext: number;
  /** Context id for the communicator's collectives. */
  readonly collectiveContext: number;
  /** How the communicator is named in messages (COMM_WORLD, "split of COMM_WORLD", ...). */
  readonly name: string;
}

/** A group of ranks that exchange messages isolated from every other communicator's. */
export class Comm {
  /** This process's rank in the communicator, from 0 to size - 1. */
  readonly rank: number;
  /** Number of ranks in the communicator. */
  readonly size: number;
  /** The communicator's name, as error messages show it. */
  readonly name: string;
  readonly #messenger: Messenger;
  readonly #worldRanks: readonly number[];
  readonly #localRankOfWorld: ReadonlyMap<number, number>;
  readonly #context: number;
  readonly #collectiveChannel: CollectiveChannel;
  #collectiveCalls = 0;
  #freed = false;

  /** Communicators are made by init() (COMM_WORLD) and by split() and dup(). */
  constructor(messenger: Messenger, layout: CommLayout) {
    this.#messenger = messenger;
    this.#worldRanks = layout.worldRanks;
    this.#localRankOfWorld = new Map(layout.worldRanks.map((world, local) => [world, local]));
    this.#context = layout.pointToPointContext;
    this.rank = layout.rank;
    this.size = layout.worldRanks.length;
    this.name = layout.name;
    this.#collectiveChannel = new CollectiveChannel(messenger, layout.worldRanks, layout.rank, layout.collectiveContext, layout.name);
    messenger.registerCollectiveChannel(this.#collectiveChannel);
  }

  /** Returns once every rank of the communicator has called barrier(). */
  async barrier(): Promise<void> {
    const scope = this.#collective('barrier');
    return trackCall(this.#collectiveCall(scope), () => collectives.barrier(scope));
  }

  /** Starts a barrier; the request completes once every rank has entered it. */
  ibarrier(): Request<void> {
    const scope = this.#collective('barrier');
    const slot = this.#collectiveCall(scope, undefined, 'ibarrier', true);
    return requestOf(collectives.barrier(scope), slot);
  }

  /** Resolves on every rank with the root's `value` (other ranks' `value` is ignored). */
  async bcast<T>(value: T, root = 0): Promise<T> {
    const scope = this.#collective('bcast', root);
    return trackCall(this.#collectiveCall(scope, value), () => collectives.bcast(scope, value, root));
  }

  /** Starts a broadcast; the request resolves with the root's value. */
  ibcast<T>(value: T, root = 0): Request<T> {
    const scope = this.#collective('bcast', root);
    const slot = this.#collectiveCall(scope, value, 'ibcast', true);
    return requestOf(collectives.bcast(scope, value, root), slot);
  }

  /**
   * The broadcast of the root's binary array in `buffer`, which every rank resolves with: mpi4py's
   * `comm.Bcast(buf, root)`. At the root `buffer` holds the value, which stays as it is; on every
   * other rank it receives the root's array, which must be of its kind and length. No array is
   * allocated per call; on one node the root's array is read straight into `buffer`.
   * @throws TsmpiError ERR_ARG when `buffer` is not a Buffer or TypedArray (at the call, sending
   *   nothing); ERR_TRUNCATE on a rank whose buffer is not of the kind and length of the root's
   *   array (the broadcast has completed, and the collectives after it pair up as usual)
   */
  async bcastInto<B extends RawArray>(buffer: B, root = 0): Promise<B> {
    rawArrayKindFor('bcastInto', buffer);
    const scope = this.#collective('bcast', root);
    return trackCall(this.#collectiveCall(scope, buffer, 'bcastInto'), () => collectives.bcast(scope, buffer, root, buffer));
  }

  /** Resolves with this rank's element of the root's `values` (one value per rank; ignored elsewhere). */
  async scatter<T>(values: readonly T[] | undefined, root = 0): Promise<T> {
    const scope = this.#collective('scatter', root);
    return trackCall(this.#collectiveCall(scope), () => collectives.scatter(scope, values, root));
  }

  /** At the root, resolves with every rank's `value` indexed by rank; elsewhere with undefined. */
  async gather<T>(value: T, root = 0): Promise<T[] | undefined> {
    const scope = this.#collective('gather', root);
    return trackCall(this.#collectiveCall(scope, value), () => collectives.gather(scope, value, root));
  }

  /** Resolves on every rank with every rank's `value`, indexed by rank. */
  async allgather<T>(value: T): Promise<T[]> {
    const scope = this.#collective('allgather');
    return trackCall(this.#collectiveCall(scope, value), () => collectives.allgather(scope, value));
  }

  /** Sends `values[r]` to rank r; resolves with what each rank sent to this one, indexed by sender. */
  async alltoall<T>(values: readonly T[]): Promise<T[]> {
    const scope = this.#collective('alltoall');
    return trackCall(this.#collectiveCall(scope), () => collectives.alltoall(scope, values));
  }

  /** At the root, resolves with `op` over every rank's `value` (in rank order); elsewhere with undefined. */
  async reduce<T>(value: T, op: Op = SUM, root = 0): Promise<T | undefined> {
    collectives.checkOp('reduce', op);
    const scope = this.#collective('reduce', root);
    return trackCall(this.#collectiveCall(scope, value), () => collectives.reduce(scope, value, op as Op<T>, root));
  }

  /**
   * The reduce of binary arrays into the root's `buffer`, an array of `value`'s kind and length (or
   * `value` itself, MPI_IN_PLACE), which the root resolves with; the other ranks resolve with
   * undefined and leave their `buffer` (usually undefined) alone: mpi4py's
   * `comm.Reduce(sendbuf, recvbuf, op, root)`.
   * @throws TsmpiError ERR_ARG when `value` is not a Buffer or TypedArray (at the call, on the
   *   ranks that pass one); at the root, once the reduction has completed, when `buffer` is not of
   *   `value`'s kind and length
   */
  async reduceInto<B extends RawArray>(value: B, buffer: B | undefined, op: Op = SUM, root = 0): Promise<B | undefined> {
    collectives.checkOp('reduceInto', op);
    rawArrayKindFor('reduceInto', value);
    const scope = this.#collective('reduce', root);
    return trackCall(this.#collectiveCall(scope, value, 'reduceInto'), () => collectives.reduceInto(scope, value, buffer, op as Op<B>, root));
  }

  /** Resolves on every rank with `op` over every rank's `value`. */
  async allreduce<T>(value: T, op: Op = SUM): Promise<T> {
    collectives.checkOp('allreduce', op);
    const scope = this.#collective('allreduce');
    return trackCall(this.#collectiveCall(scope, value), () => collectives.allreduce(scope, value, op as Op<T>));
  }

  /**
   * The allreduce of a binary array into `buffer`, an array of `value`'s kind and length (or `value`
   * itself, MPI_IN_PLACE), which it resolves with: mpi4py's `comm.Allreduce(sendbuf, recvbuf, op)`.
   * No array is allocated per call; on one node a large array's result is read straight into
   * `buffer`.
   * @throws TsmpiError ERR_ARG when `value` is not a Buffer or TypedArray, or `buffer` is not one of
   *   the same kind and length
   */
  async allreduceInto<B extends RawArray>(value: B, buffer: B, op: Op = SUM): Promise<B> {
    collectives.checkOp('allreduceInto', op);
    const kind = rawArrayKindFor('allreduceInto', value);
    if (rawArrayKindOf(buffer) !== kind || buffer.length !== value.length) {
      throw new TsmpiError('ERR_ARG', `allreduceInto needs a buffer of the value's kind and length (${describeSizedValue(value)}), not ${describeSizedValue(buffer)}`);
    }
    const scope = this.#collective('allreduce');
    return trackCall(this.#collectiveCall(scope, value, 'allreduceInto'), () => collectives.allreduceInto(scope, value, buffer, op as Op<B>));
  }

  /** Starts an allreduce; the request resolves with the result. A bad operator throws at the call. */
  iallreduce<T>(value: T, op: Op = SUM): Request<T> {
    collectives.checkOp('iallreduce', op);
    const scope = this.#collective('allreduce');
    const slot = this.#collectiveCall(scope, value, 'iallreduce', true);
    return requestOf(collectives.allreduce(scope, value, op as Op<T>), slot);
  }

  /** Resolves with `op` over the values of ranks 0 to this one (inclusive prefix). */
  async scan<T>(value: T, op: Op = SUM): Promise<T> {
    collectives.checkOp('scan', op);
    const scope = this.#collective('scan');
    return trackCall(this.#collectiveCall(scope, value), () => collectives.scan(scope, value, op as Op<T>));
  }

  /** Resolves with `op` over the values of ranks 0 to this one, exclusive: undefined on rank 0. */
  async exscan<T>(value: T, op: Op = SUM): Promise<T | undefined> {
    collectives.checkOp('exscan', op);
    const scope = this.#collective('exscan');
    return trackCall(this.#collectiveCall(scope, value), () => collectives.exscan(scope, value, op as Op<T>));
  }

  /**
   * Splits the root's binary array among the ranks (MPI's Scatterv): rank r receives `counts[r]`
   * elements, starting at `displacements[r]` (default: one piece after another). Without counts
   * the pieces are as even as possible. `data`, `counts` and `displacements` are read at the root.
   */
  async scatterv<T extends RawArray>(
    data: T | undefined,
    counts?: readonly number[],
    root = 0,
    displacements?: readonly number[],
  ): Promise<T> {
    const scope = this.#collective('scatterv', root);
    return trackCall(this.#collectiveCall(scope, data), () => collectives.scatterv(scope, data, counts, displacements, root));
  }

  /**
   * Joins every rank's binary array at the root (MPI's Gatherv), in rank order or at
   * `displacements[r]` elements; resolves with the joined array at the root, undefined elsewhere.
   */
  async gatherv<T extends RawArray>(piece: T, root = 0, displacements?: readonly number[]): Promise<T | undefined> {
    const scope = this.#collective('gatherv', root);
    return trackCall(this.#collectiveCall(scope, piece), () => collectives.gatherv(scope, piece, displacements, root));
  }

  /**
   * Splits the communicator: ranks that pass the same `color` form a new one, ordered by `key`
   * and then by rank here. Every rank must call it; a rank passing UNDEFINED gets null.
   */
  async split(color: number, key: number = this.rank): Promise<Comm | null> {
    if (!(color === UNDEFINED || (Number.isInteger(color) && color >= 0))) {
      throw new TsmpiError('ERR_ARG', `split(): color ${String(color)} must be a non-negative integer or UNDEFINED`);
    }
    if (!Number.isInteger(key)) throw new TsmpiError('ERR_ARG', `split(): key ${String(key)} must be an integer`);
    const scope = this.#collective('split');
    const entries = await trackCall(this.#collectiveCall(scope), () => collectives.allgather(scope, [color, key, this.#messenger.nextFreeContext] as const));
    const context = this.#messenger.reserveContexts(Math.max(...entries.map((entry) => entry[2])), 2);
    if (color === UNDEFINED) return null;
    const members = entries
      .map(([memberColor, memberKey], rank) => ({ memberColor, memberKey, rank }))
      .filter((entry) => entry.memberColor === color)
      .sort((a, b) => a.memberKey - b.memberKey || a.rank - b.rank)
      .map((entry) => entry.rank);
    return new Comm(this.#messenger, {
      worldRanks: members.map((rank) => this.#worldRanks[rank] as number),
      rank: members.indexOf(this.rank),
      pointToPointContext: context,
      collectiveContext: context + 1,
      name: `split(color=${color}) of ${this.name}`,
    });
  }

  /** A new communicator with the same ranks and traffic isolated from this one's. Every rank must call it. */
  async dup(): Promise<Comm> {
    const scope = this.#collective('dup');
    const proposals = await trackCall(this.#collectiveCall(scope), () => collectives.allgather(scope, this.#messenger.nextFreeContext));
    const context = this.#messenger.reserveContexts(Math.max(...proposals), 2);
    return new Comm(this.#messenger, {
      worldRanks: this.#worldRanks,
      rank: this.rank,
      pointToPointContext: context,
      collectiveContext: context + 1,
      name: `dup of ${this.name}`,
    });
  }

  /** Marks the communicator as no longer used: any later call on it fails with ERR_COMM_FREED. */
  free(): void {
    this.#freed = true;
    // A program may make and free many communicators: each board holds files and a watch.
    this.#collectiveChannel.closeBoard(new TsmpiError('ERR_COMM_FREED', `${this.name} was freed`));
  }

  /** Numbers a collective call; `root` (when the call has one) must be a rank of this communicator. */
  #collective(kind: CollectiveKind, root?: number): CollectiveScope {
    this.#checkOpen(kind);
    // Checked whenever given: -1 is not a valid root even though it marks "no root" internally.
    if (root !== undefined) this.#worldRankOf(kind, 'root', root);
    // Numbered at the call, before anything awaits, so every rank numbers its calls alike.
    const call = { kind, root: root ?? NO_ROOT, seq: this.#collectiveCalls++ };
    this.#collectiveChannel.noteCall(call);
    return { rank: this.rank, size: this.size, channel: this.#collectiveChannel, call };
  }

  /**
   * Notes a collective call in the call tracker (for deadlock reports and --trace), by the name the
   * program called it (`call`); `pending` for a non-blocking call, whose request the program holds.
   */
  #collectiveCall(scope: CollectiveScope, value?: unknown, call: string = scope.call.kind, pending = false): CallSlot {
    const root = scope.call.root;
    const slot = beginCall(call, this.name, root === NO_ROOT ? ArgsShape.None : ArgsShape.Root, root, 0, 0, 0, pending);
    if (ArrayBuffer.isView(value)) slot.bytes = value.byteLength;
    scope.tracked = slot;
    return slot;
  }

  /**
   * Sends `value` to rank `dest` with `tag`. Resolves once the value is on its way. Plain values are
   * copied at the call; a binary array is the caller's again when this resolves (arrays of 64 KiB
   * or more are sent from the caller's memory and resolve once the receiver has read them).
   */
  send(value: unknown, dest: number, tag = 0): Promise<void> {
    // Not async: an async function's promise would adopt the send's, which takes extra microtask
    // turns for every message.
    const call = beginCall('send', this.name, ArgsShape.DestTag, dest, tag);
    let sending: Promise<void>;
    try {
      sending = this.#startSend('send', value, dest, tag, call);
    } catch (error) {
      endCall(call);
      return Promise.reject(error);
    }
    return sending.then(
      () => endCall(call),
      (error: unknown) => {
        endCall(call);
        throw error;
      },
    );
  }

  /**
   * Starts sending `value`. Plain values are captured at the call; a binary array must stay
   * unchanged until the request completes, as with MPI_Isend.
   */
  isend(value: unknown, dest: number, tag = 0): Request<void> {
    const call = beginCall('isend', this.name, ArgsShape.DestTag, dest, tag, 0, 0, true);
    let sending;
    try {
      sending = this.#startSend('isend', value, dest, tag, call);
    } catch (error) {
      endCall(call);
      throw error;
    }
    return new Request(sending.then(() => ({ value: undefined })), call);
  }

  /**
   * Receives the earliest message from `source` with `tag` (wildcards ANY_SOURCE, ANY_TAG) and
   * resolves with its value; fills `status` when given.
   */
  recv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<T> {
    return this.#blockingReceive<T>('recv', source, tag, status);
  }

  /** Starts a receive; the request's wait() resolves with the value. */
  irecv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<T> {
    const call = beginCall('irecv', this.name, ArgsShape.SourceTag, source, tag, 0, 0, true);
    let receiving;
    try {
      receiving = this.#startReceive<T>('irecv', source, tag, call);
    } catch (error) {
      endCall(call);
      throw error;
    }
    return new Request(receiving, call);
  }

  /**
   * Receives a binary array into `buffer`, the counterpart of mpi4py's `comm.Recv(buf, ...)`:
   * resolves with the elements received, `buffer` itself when the message fills it, else a view
   * of its first elements (`status.size` gives the bytes). A receive into memory you keep spares
   * allocating (and collecting) an array per message; on one node a large array is read straight
   * from shared memory into `buffer` when this receive was posted before it arrived.
   * @throws TsmpiError ERR_TRUNCATE (rejected, the message consumed) when the message is larger
   *   than `buffer`, is not a binary array, or is not a whole number of `buffer`'s elements;
   *   ERR_ARG when `buffer` is not a Buffer or TypedArray
   */
  recvInto<B extends RawArray>(buffer: B, source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<B> {
    return this.#blockingReceive<B>('recvInto', source, tag, status, buffer);
  }

  /**
   * A blocking `recv`, or `recvInto` of `buffer`. The hot path of every blocking receive: one
   * promise from the matching engine, decoded (or placed) in its callback, with no intermediate
   * completion or status objects unless asked for; the call's slot ends however it ends.
   */
  #blockingReceive<R>(name: 'recv' | 'recvInto', source: number, tag: number, status: Status | undefined, buffer?: RawArray): Promise<R> {
    const call = beginCall(name, this.name, ArgsShape.SourceTag, source, tag);
    let worldSource: number;
    let into: ReceiveBuffer | undefined;
    try {
      if (name === 'recvInto') into = { buffer: buffer as RawArray, kind: this.#checkReceiveBuffer(name, buffer), bytes: lendBytes(buffer as RawArray) };
      worldSource = this.#checkReceive(name, source, tag);
    } catch (error) {
      endCall(call);
      return Promise.reject(error);
    }
    if (worldSource === PROC_NULL) {
      endCall(call);
      status?.assign(nullStatus());
      return Promise.resolve((into === undefined ? undefined : into.buffer.subarray(0, 0)) as R);
    }
    return this.#messenger.receive(this.#context, worldSource, tag, into?.bytes).then(
      (envelope) => {
        try {
          if (status !== undefined) status.assign(this.#statusOf(envelope));
          return (into === undefined ? this.#received<R>(envelope, call) : this.#placed('recvInto', envelope, into.buffer, into.bytes, into.kind, call)) as R;
        } finally {
          endCall(call);
        }
      },
      (error: unknown) => {
        endCall(call);
        throw error;
      },
    );
  }

  /** Starts a {@link recvInto}; the request's wait() resolves with the elements received. */
  irecvInto<B extends RawArray>(buffer: B, source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<B> {
    const call = beginCall('irecvInto', this.name, ArgsShape.SourceTag, source, tag, 0, 0, true);
    let receiving;
    try {
      receiving = this.#startReceiveInto('irecvInto', buffer, source, tag, call);
    } catch (error) {
      endCall(call);
      throw error;
    }
    return new Request(receiving, call);
  }

  /**
   * Sends `value` to `dest` and receives from `source` at once, so that pairs of ranks can
   * exchange without deadlock.
   */
  async sendrecv<T = unknown>(
    value: unknown,
    dest: number,
    sendTag = 0,
    source: number = ANY_SOURCE,
    recvTag: number = ANY_TAG,
    status?: Status,
  ): Promise<T> {
    const call = beginCall('sendrecv', this.name, ArgsShape.SendRecv, dest, sendTag, source, recvTag);
    let completion;
    try {
      const receiving = this.#startReceive<T>('sendrecv', source, recvTag, call);
      [, completion] = await Promise.all([this.#startSend('sendrecv', value, dest, sendTag, call), receiving]);
    } finally {
      endCall(call);
    }
    if (status !== undefined && completion.status !== undefined) status.assign(completion.status);
    return completion.value;
  }

  /** Waits until a matching message has arrived and returns its status, without receiving it. */
  async probe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Promise<Status> {
    this.#checkOpen('probe');
    const worldSource = this.#checkSource('probe', source);
    this.#checkReceiveTag('probe', tag);
    if (worldSource === PROC_NULL) return nullStatus();
    const call = beginCall('probe', this.name, ArgsShape.SourceTag, source, tag);
    try {
      return this.#statusOf(await this.#messenger.probe(this.#context, worldSource, tag));
    } finally {
      endCall(call);
    }
  }

  /** The status of a matching message that has already arrived, or undefined; never waits for one. */
  async iprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Promise<Status | undefined> {
    this.#checkOpen('iprobe');
    const worldSource = this.#checkSource('iprobe', source);
    this.#checkReceiveTag('iprobe', tag);
    if (worldSource === PROC_NULL) return nullStatus();
    const envelope = await this.#messenger.peek(this.#context, worldSource, tag);
    return envelope === undefined ? undefined : this.#statusOf(envelope);
  }

  #startSend(call: string, value: unknown, dest: number, tag: number, slot: CallSlot): Promise<void> {
    this.#checkOpen(call);
    const worldDest = this.#checkDest(call, dest);
    this.#checkSendTag(call, tag);
    if (worldDest === PROC_NULL) return Promise.resolve();
    // Encoding copies everything but large binary arrays, which are lent until the send completes.
    const body = encodeBody(value);
    noteMessage(slot, this.#context, worldDest, tag, bodySize(body.frames));
    return this.#messenger.send(worldDest, this.#context, tag, body);
  }

  #startReceive<T>(call: string, source: number, tag: number, slot: CallSlot): Promise<Completion<T>> {
    // Arguments are checked before anything starts, so irecv() throws at the call like isend().
    const worldSource = this.#checkReceive(call, source, tag);
    if (worldSource === PROC_NULL) return Promise.resolve({ value: undefined as T, status: nullStatus() });
    return this.#messenger.receive(this.#context, worldSource, tag).then((envelope) => ({
      value: this.#received<T>(envelope, slot),
      status: this.#statusOf(envelope),
    }));
  }

  #startReceiveInto<B extends RawArray>(call: string, buffer: B, source: number, tag: number, slot: CallSlot): Promise<Completion<B>> {
    const kind = this.#checkReceiveBuffer(call, buffer);
    const worldSource = this.#checkReceive(call, source, tag);
    if (worldSource === PROC_NULL) return Promise.resolve({ value: buffer.subarray(0, 0) as B, status: nullStatus() });
    const bytes = lendBytes(buffer);
    return this.#messenger.receive(this.#context, worldSource, tag, bytes).then((envelope) => ({
      value: this.#placed(call, envelope, buffer, bytes, kind, slot),
      status: this.#statusOf(envelope),
    }));
  }

  #checkReceiveBuffer(call: string, buffer: unknown): RawArrayKind {
    return rawArrayKindFor(call, buffer, ' to receive into');
  }

  /**
   * Places a received binary array in `buffer` (whose bytes are `bytes`) and returns the elements
   * it filled; a message that does not fit is ERR_TRUNCATE.
   */
  #placed<B extends RawArray>(call: string, envelope: Envelope, buffer: B, bytes: Uint8Array, kind: RawArrayKind, slot: CallSlot): B {
    noteMessage(slot, this.#context, envelope.source, envelope.tag, envelope.size);
    const frame = envelope.body[0];
    const from = (): string => `the message from rank ${this.#localRankOfWorld.get(envelope.source) ?? -1} with tag ${envelope.tag}`;
    if (envelope.encoding !== Encoding.RawArray || envelope.body.length !== 1 || frame === undefined) {
      throw new TsmpiError('ERR_TRUNCATE', `${call} cannot place ${from()} in a ${kind.name}: it is not a binary array (receive it with recv())`);
    }
    if (frame.byteLength > bytes.byteLength) {
      throw new TsmpiError('ERR_TRUNCATE', `${call} cannot place ${from()} in its buffer: the message has ${frame.byteLength} bytes, the ${kind.name} ${bytes.byteLength}`);
    }
    if (frame.byteLength % kind.bytesPerElement !== 0) {
      throw new TsmpiError('ERR_TRUNCATE', `${call} cannot place ${from()} in a ${kind.name}: its ${frame.byteLength} bytes are not whole elements`);
    }
    // Read in place from shared memory when this receive was waiting; copied otherwise.
    if (frame.buffer !== bytes.buffer || frame.byteOffset !== bytes.byteOffset) bytes.set(frame);
    const length = frame.byteLength / kind.bytesPerElement;
    return (length === buffer.length ? buffer : buffer.subarray(0, length)) as B;
  }

  /** Notes a received message in the call's slot and decodes its value. */
  #received<T>(envelope: Envelope, slot: CallSlot): T {
    noteMessage(slot, this.#context, envelope.source, envelope.tag, envelope.size);
    return decodeBody(envelope.encoding as Encoding, envelope.kindCode, envelope.body) as T;
  }

  /** Checks a receive's arguments and returns the world rank of `source` (or a wildcard). */
  #checkReceive(call: string, source: number, tag: number): number {
    this.#checkOpen(call);
    const worldSource = this.#checkSource(call, source);
    this.#checkReceiveTag(call, tag);
    return worldSource;
  }

  #statusOf(envelope: Envelope): Status {
    const status = new Status();
    status.source = this.#localRankOfWorld.get(envelope.source) ?? -1;
    status.tag = envelope.tag;
    status.size = envelope.size;
    return status;
  }

  #checkOpen(call: string): void {
    if (this.#messenger.closed) {
      throw new TsmpiError('ERR_FINALIZED', `${call}() was called after finalize()`);
    }
    if (this.#freed) throw new TsmpiError('ERR_COMM_FREED', `${call}() was called on ${this.name} after free()`);
  }

  #checkDest(call: string, dest: number): number {
    if (dest === PROC_NULL) return PROC_NULL;
    return this.#worldRankOf(call, 'destination', dest);
  }

  #checkSource(call: string, source: number): number {
    if (source === ANY_SOURCE || source === PROC_NULL) return source;
    return this.#worldRankOf(call, 'source', source);
  }

  #worldRankOf(call: string, role: string, rank: number): number {
    const world = Number.isInteger(rank) ? this.#worldRanks[rank] : undefined;
    if (world === undefined) {
      throw new TsmpiError(
        'ERR_RANK',
        `${call}(): ${role} rank ${String(rank)} is out of range for a communicator of size ${this.size} ` +
          `(valid ranks are 0 to ${this.size - 1})`,
      );
    }
    return world;
  }

  #checkSendTag(call: string, tag: number): void {
    if (!Number.isInteger(tag) || tag < 0 || tag > TAG_UB) {
      throw new TsmpiError('ERR_TAG', `${call}(): tag ${String(tag)} is invalid (tags are integers from 0 to ${TAG_UB})`);
    }
  }

  #checkReceiveTag(call: string, tag: number): void {
    if (tag === ANY_TAG) return;
    if (!Number.isInteger(tag) || tag < 0 || tag > TAG_UB) {
      throw new TsmpiError(
        'ERR_TAG',
        `${call}(): tag ${String(tag)} is invalid (tags are integers from 0 to ${TAG_UB}, or ANY_TAG)`,
      );
    }
  }
}

function requestOf<T>(operation: Promise<T>, call: CallSlot): Request<T> {
  return new Request(operation.then((value) => ({ value })), call);
}

function nullStatus(): Status {
  const status = new Status();
  status.source = PROC_NULL;
  status.tag = ANY_TAG;
  return status;
}

/** The caller's memory a receive places a binary array in: the array, its bytes and its kind. */
interface ReceiveBuffer {
  readonly buffer: RawArray;
  readonly bytes: Uint8Array;
  readonly kind: RawArrayKind;
}

/**
 * The kind of `value`, a binary array that `call` needs (`purpose` says for what).
 * @throws TsmpiError ERR_ARG when `value` is not a Buffer or TypedArray
 */
function rawArrayKindFor(call: string, value: unknown, purpose = ''): RawArrayKind {
  const kind = rawArrayKindOf(value);
  if (kind === undefined) throw new TsmpiError('ERR_ARG', `${call} needs a Buffer or TypedArray${purpose}, not ${describeValue(value)}`);
  return kind;
}
