/**
 * Point-to-point in world ranks and context ids: frames a body with its header, hands it to the
 * transport, and feeds arriving messages to the matching engine. Communicators translate their
 * own ranks to world ranks and call this; they never touch the transport.
 */
import { TsmpiError } from '../errors.js';
import { readHeader, writeHeader } from '../codec/message-header.js';
import type { EncodedBody } from '../codec/value-codec.js';
import { bodySize } from '../codec/value-codec.js';
import { MatchingEngine, type Envelope } from '../matching/matching-engine.js';
import type { Transport } from '../transport/transport.js';
import type { CollectiveChannel } from '../collectives/collective-channel.js';

/** Creates the transport once the messenger's sink and demand callbacks exist. */
export type TransportFactory = (sink: (frames: Buffer[]) => void, wanted: () => boolean) => Promise<Transport>;

/** Sends and receives world-addressed messages for one process. */
export class Messenger {
  readonly worldRank: number;
  readonly #engine = new MatchingEngine();
  #transport!: Transport;
  #closed = false;
  // Context ids 0 and 1 belong to COMM_WORLD; new communicators agree on ids above every
  // member's highest, so no two communicators a process belongs to ever share one.
  #nextFreeContext = 2;
  readonly #collectiveChannels = new Map<number, CollectiveChannel>();

  private constructor(worldRank: number) {
    this.worldRank = worldRank;
  }

  /** Creates a messenger over the transport `createTransport` makes. */
  static async create(worldRank: number, createTransport: TransportFactory): Promise<Messenger> {
    const messenger = new Messenger(worldRank);
    messenger.#transport = await createTransport(
      (frames) => messenger.#arrive(frames),
      () => messenger.#engine.hasWaiters,
    );
    return messenger;
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

  /** Sends an encoded body to world rank `dest`; `aux` identifies a collective call. */
  send(dest: number, context: number, tag: number, body: EncodedBody, aux = 0): Promise<void> {
    const header = writeHeader(body.encoding, body.kindCode, context, this.worldRank, tag, aux);
    return this.#transport.send(dest, [header, ...body.frames]);
  }

  /** Receives the earliest message matching (world source or ANY_SOURCE, tag or ANY_TAG). */
  receive(context: number, source: number, tag: number): Promise<Envelope> {
    const received = this.#engine.receive(context, source, tag);
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
    this.#engine.close(error);
    this.#transport.close();
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
    const body = frames.slice(1);
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
}
