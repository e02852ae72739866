/**
 * Point-to-point in world ranks and context ids: frames a body with its header, hands it to the
 * transport, and feeds arriving messages to the matching engine. Communicators translate their
 * own ranks to world ranks and call this; they never touch the transport.
 */
import { TsmpiError } from '../errors.js';
import { Encoding, HeaderFlags, readHeader, writeHeader } from '../codec/message-header.js';
import type { EncodedBody } from '../codec/value-codec.js';
import { bodySize, ownedBody } from '../codec/value-codec.js';
import { MatchingEngine, type Envelope } from '../matching/matching-engine.js';
import type { Transport } from '../transport/transport.js';
import type { CollectiveChannel } from '../collectives/collective-channel.js';
import { join } from 'node:path';
import { NodeBoard } from '../collectives/node-board.js';
import { SharedMemoryLanes } from './shared-memory-lanes.js';

/** What the launcher's table of peers says of where the job's ranks run. */
export interface Placement {
  /** Some node runs more ranks than it has slots. */
  readonly oversubscribed: boolean;
  /**
   * Where each world rank keeps its communicators' boards in shared memory (the job's directory
   * on its node), undefined for a rank that cannot have one.
   */
  readonly boardDirs?: readonly (string | undefined)[];
  /** How long this rank polls its boards before it sleeps (see board-spin.ts); 0 by default. */
  readonly boardSpinMicros?: number;
}

/** Creates the transport once the messenger's sink and demand callbacks exist. */
export type TransportFactory = (sink: (frames: Buffer[]) => void, wanted: () => boolean) => Promise<Transport>;

/** Sends and receives world-addressed messages for one process. */
export class Messenger {
  readonly worldRank: number;
  // Unknown (undefined) until the rank has joined its job.
  #oversubscribed: boolean | undefined;
  #boardDirs: readonly (string | undefined)[] | undefined;
  #boardSpinMicros = 0;
  readonly #boards: NodeBoard[] = [];
  // Large messages to and from ranks of this node, when it keeps boards (same switch, same place).
  #lanes: SharedMemoryLanes | undefined;
  readonly #engine = new MatchingEngine();
  #transport!: Transport;
  #closed = false;
  // Context ids 0 and 1 belong to COMM_WORLD; new communicators agree on ids above every
  // member's highest, so no two communicators a process belongs to ever share one.
  #nextFreeContext = 2;
  readonly #collectiveChannels = new Map<number, CollectiveChannel>();
  // Sends of lent memory waiting for their arrival acknowledgement, oldest first, per destination
  // (each sender's messages arrive in order, so acknowledgements do too).
  readonly #awaitingAck = new Map<number, AwaitedAck[]>();
  #awaitingAckCount = 0;
  readonly #ackFrame: Buffer;

  private constructor(worldRank: number) {
    this.worldRank = worldRank;
    // zeromq.js copies frames this small, so one acknowledgement frame serves every send.
    this.#ackFrame = writeHeader(Encoding.ArrivalAck, 0, 0, worldRank, 0);
  }

  /** Creates a messenger over the transport `createTransport` makes. */
  static async create(worldRank: number, createTransport: TransportFactory): Promise<Messenger> {
    const messenger = new Messenger(worldRank);
    messenger.#transport = await createTransport(
      (frames) => messenger.#arrive(frames),
      // Acknowledgements must be read even when nothing is received, or a lent send never ends.
      () => messenger.#engine.hasWaiters || messenger.#awaitingAckCount > 0,
    );
    return messenger;
  }

  /**
   * Some node of the job runs more ranks than it has slots, as the launcher's table of peers says
   * (the same on every rank, so collectives choose alike by it).
   */
  get oversubscribed(): boolean {
    return this.#oversubscribed === true;
  }

  /**
   * Records what the launcher's table of peers says of the job's placement, once, when the rank
   * joins: a later change would let ranks choose different collective algorithms.
   */
  learnPlacement(placement: Placement): void {
    if (this.#oversubscribed !== undefined) throw new TsmpiError('ERR_PROTOCOL', 'the launcher sent its table of peers twice');
    this.#oversubscribed = placement.oversubscribed;
    this.#boardDirs = placement.boardDirs;
    this.#boardSpinMicros = placement.boardSpinMicros ?? 0;
    const mine = placement.boardDirs?.[this.worldRank];
    if (mine !== undefined && !this.#closed) this.#lanes = new SharedMemoryLanes(mine, this.worldRank);
  }

  /**
   * Opens the board in shared memory of the communicator with collective context `context`, whose
   * rank r is world rank `worldRanks[r]` and which this process joins as `rank`; undefined unless
   * all its ranks (two or more) keep boards in one directory, which means that they run on this
   * node. Every rank of the job knows every rank's directory, so all decide alike, and every member
   * finds the same board: no two communicators share a context id and a first member.
   */
  boardFor(context: number, worldRanks: readonly number[], rank: number): NodeBoard | undefined {
    const dirs = this.#boardDirs;
    const mine = dirs?.[this.worldRank];
    if (dirs === undefined || mine === undefined || worldRanks.length < 2 || this.#closed) return undefined;
    if (worldRanks.some((worldRank) => dirs[worldRank] !== mine)) return undefined;
    const dir = join(mine, `board-${context}-${worldRanks[0]}`);
    let board: NodeBoard;
    try {
      board = NodeBoard.open(dir, worldRanks.length, rank, { spinMicros: this.#boardSpinMicros });
    } catch (error) {
      // The other ranks may have opened theirs, so falling back to messages here would leave
      // them waiting on the board.
      throw new TsmpiError(
        'ERR_JOB',
        `rank ${this.worldRank} cannot open the board in shared memory for its collectives in ${dir}: ${(error as Error).message}; ` +
          'run the job with -x TSMPI_SHARED_MEMORY=off to use messages instead',
        { cause: error },
      );
    }
    this.#boards.push(board);
    return board;
  }

  /** The lowest context id this process has not used. */
  get nextFreeContext(): number {
    return this.#nextFreeContext;
  }

  /** Takes `count` context ids from `first` (agreed among the members) and returns `first`. */
  reserveContexts(first: number, count: number): number {
    this.#nextFreeContext = Math.max(this.#nextFreeContext, first + count);
    return first;
  }

  /** Lets finalize() explain leftover messages of a communicator's collectives. */
  registerCollectiveChannel(channel: CollectiveChannel): void {
    this.#collectiveChannels.set(channel.context, channel);
  }

  /**
   * Why the messages no receive took prove a collective mismatch, one sentence each (messages of
   * point-to-point contexts are the program's business and are not listed).
   */
  async collectiveLeftovers(): Promise<string[]> {
    await this.#transport.poll();
    const explanations: string[] = [];
    for (const envelope of this.#engine.unexpected) {
      const channel = this.#collectiveChannels.get(envelope.context);
      if (channel !== undefined) explanations.push(channel.describeLeftover(envelope.source, envelope.tag, envelope.aux));
    }
    return explanations;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends an encoded body to world rank `dest`; `aux` identifies a collective call. A body with
   * lent memory goes to a rank of this node through shared memory, copied there before this
   * returns; otherwise it completes once the receiver has read it (its transport acknowledges the
   * arrival), so the caller may change that memory when this resolves. Any other body completes as
   * soon as the transport has taken it.
   */
  send(dest: number, context: number, tag: number, body: EncodedBody, aux = 0): Promise<void> {
    if (!body.lent) {
      const header = writeHeader(body.encoding, body.kindCode, context, this.worldRank, tag, aux);
      return this.#transport.send(dest, [header, ...body.frames]);
    }
    if (dest === this.worldRank) return this.send(dest, context, tag, ownedBody(body), aux);
    const descriptor = this.#onThisNode(dest) ? this.#lanes?.write(dest, body.frames) : undefined;
    if (descriptor !== undefined) {
      const header = writeHeader(body.encoding, body.kindCode, context, this.worldRank, tag, aux, HeaderFlags.InLane);
      return this.#transport.send(dest, [header, descriptor]);
    }
    const header = writeHeader(body.encoding, body.kindCode, context, this.worldRank, tag, aux, HeaderFlags.AckRequested);
    let queue = this.#awaitingAck.get(dest);
    if (queue === undefined) this.#awaitingAck.set(dest, (queue = []));
    const awaited = {} as { resolve: () => void };
    const acknowledged = new Promise<void>((resolve) => Object.assign(awaited, { resolve }));
    queue.push(awaited);
    this.#awaitingAckCount++;
    const sent = this.#transport.send(dest, [header, ...body.frames]);
    this.#transport.wake();
    return sent.then(
      () => acknowledged,
      (error: unknown) => {
        // A message that never left is never acknowledged: stop waiting for it.
        const index = queue.indexOf(awaited);
        if (index >= 0) {
          queue.splice(index, 1);
          this.#awaitingAckCount--;
        }
        throw error;
      },
    );
  }

  /**
   * Receives the earliest message matching (world source or ANY_SOURCE, tag or ANY_TAG). A binary
   * array that arrives through shared memory for this receive is read straight into `into` when
   * it fits (its envelope's one frame is then a view of `into`).
   */
  receive(context: number, source: number, tag: number, into?: Uint8Array): Promise<Envelope> {
    const received = this.#engine.receive(context, source, tag, into);
    if (this.#engine.hasWaiters) this.#transport.wake();
    return received;
  }

  /** Waits for a matching message without receiving it. */
  probe(context: number, source: number, tag: number): Promise<Envelope> {
    const probed = this.#engine.probe(context, source, tag);
    if (this.#engine.hasWaiters) this.#transport.wake();
    return probed;
  }

  /** A matching message that has already arrived, without receiving it; undefined if none. */
  async peek(context: number, source: number, tag: number): Promise<Envelope | undefined> {
    const queued = this.#engine.peek(context, source, tag);
    if (queued !== undefined) return queued;
    await this.#transport.poll();
    return this.#engine.peek(context, source, tag);
  }

  /** Fails pending operations with `error` and closes the transport. */
  close(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    // Closing still delivers what was sent (the sockets linger), and nothing can change lent
    // memory in a way that matters any more: sends in flight count as complete.
    for (const queue of this.#awaitingAck.values()) for (const awaited of queue.splice(0)) awaited.resolve();
    this.#awaitingAckCount = 0;
    this.#engine.close(error);
    for (const board of this.#boards) board.close(error);
    this.#lanes?.close();
    this.#transport.close();
  }

  #onThisNode(worldRank: number): boolean {
    const dirs = this.#boardDirs;
    return dirs !== undefined && dirs[worldRank] !== undefined && dirs[worldRank] === dirs[this.worldRank];
  }

  #arrive(frames: Buffer[]): void {
    let header;
    try {
      header = readHeader(frames[0]);
    } catch (error) {
      // A stray or corrupt message must not take the rank down; say so once per message.
      process.emitWarning(`tsmpi: rank ${this.worldRank} dropped a message: ${(error as TsmpiError).message}`);
      return;
    }
    if (header.encoding === Encoding.ArrivalAck) {
      this.#acknowledged(header.source);
      return;
    }
    if ((header.flags & HeaderFlags.AckRequested) !== 0) this.#acknowledgeArrival(header.source);
    let body: Buffer[];
    if ((header.flags & HeaderFlags.InLane) === 0) body = frames.slice(1);
    else {
      const lanes = this.#lanes;
      try {
        if (lanes === undefined || !this.#onThisNode(header.source)) {
          throw new TsmpiError('ERR_PROTOCOL', `received a shared-memory message from rank ${header.source}, which shares no memory with rank ${this.worldRank}`);
        }
        const into = header.encoding === Encoding.RawArray ? this.#engine.bufferWaitingFor(header.context, header.source, header.tag) : undefined;
        body = lanes.read(header.source, frames[1], into);
      } catch (error) {
        const failure = error as TsmpiError;
        if (failure.code === 'ERR_PROTOCOL') {
          process.emitWarning(`tsmpi: rank ${this.worldRank} dropped a message: ${failure.message}`);
          return;
        }
        // The message is lost, and its receiver would wait for it: fail the rank instead.
        this.close(failure);
        return;
      }
    }
    const mismatch = this.#collectiveChannels.get(header.context)?.checkArrival(header.source, header.tag, header.aux);
    if (mismatch !== undefined) this.#engine.failWaiting(header.context, header.tag, mismatch);
    this.#engine.deliver({
      context: header.context,
      source: header.source,
      tag: header.tag,
      aux: header.aux,
      encoding: header.encoding,
      kindCode: header.kindCode,
      body,
      size: bodySize(body),
    });
  }

  #acknowledgeArrival(source: number): void {
    // The sender's memory may be reused from now on: all of it has been read.
    let sending: Promise<void>;
    try {
      sending = this.#transport.send(source, [this.#ackFrame]);
    } catch (error) {
      process.emitWarning(`tsmpi: rank ${this.worldRank} cannot acknowledge a message from rank ${source}: ${(error as Error).message}`);
      return;
    }
    sending.catch(() => {
      // The sender is gone or closing: nobody is left to wait for this acknowledgement.
    });
  }

  #acknowledged(source: number): void {
    const awaited = this.#awaitingAck.get(source)?.shift();
    if (awaited === undefined) {
      process.emitWarning(`tsmpi: rank ${this.worldRank} got an arrival acknowledgement from rank ${source} for nothing it sent`);
      return;
    }
    this.#awaitingAckCount--;
    awaited.resolve();
  }
}

interface AwaitedAck {
  readonly resolve: () => void;
}
