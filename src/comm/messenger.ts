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

/** Creates the transport once the messenger's sink and demand callbacks exist. */
export type TransportFactory = (sink: (frames: Buffer[]) => void, wanted: () => boolean) => Promise<Transport>;

/** Sends and receives world-addressed messages for one process. */
export class Messenger {
  readonly worldRank: number;
  readonly #engine = new MatchingEngine();
  #transport!: Transport;
  #closed = false;

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

  /** The transport, for the runtime to exchange endpoints and to close. */
  get transport(): Transport {
    return this.#transport;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends an encoded body to world rank `dest`. */
  send(dest: number, context: number, tag: number, body: EncodedBody): Promise<void> {
    const header = writeHeader(body.encoding, body.kindCode, context, this.worldRank, tag);
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
    this.#engine.deliver({
      context: header.context,
      source: header.source,
      tag: header.tag,
      encoding: header.encoding,
      kindCode: header.kindCode,
      body,
      size: bodySize(body),
    });
  }
}
