/**
 * The ZeroMQ transport: one PULL socket per rank for everything inbound, one PUSH socket per peer
 * for outbound, connected on first use. PUSH/PULL keeps each sender's messages in order and blocks
 * (never drops) at the high-water mark, which gives backpressure instead of loss.
 */
import { Pull, Push } from 'zeromq';
import type { PeerAddress, RankEndpoints } from '../protocol/control-messages.js';
import type { MessageSink, Transport } from './transport.js';
import type { JobKeys } from './job-secret.js';
import { secureInbound, secureOutbound } from './socket-security.js';
import type { ZapResponder } from './zap-responder.js';

/** Where and how the transport binds. */
export interface ZmqTransportOptions {
  /** This rank's world rank. */
  readonly rank: number;
  /** A filesystem path for the ipc endpoint (ranks on the same node), or undefined for none. */
  readonly ipcPath?: string;
  /** An address to bind a tcp endpoint on (ranks on other nodes), or undefined for none. */
  readonly tcpAddress?: string;
  /** Receives every arriving message. */
  readonly sink: MessageSink;
  /** Whether somebody is waiting for a message (see {@link Transport.wake}). */
  readonly wanted: () => boolean;
  /**
   * How long a closed or exiting rank keeps trying to deliver queued messages to a peer before it
   * gives up, in milliseconds.
   */
  readonly lingerMs?: number;
  /**
   * The job's keys: every connection is then authenticated (PLAIN, or CURVE on tcp with
   * --encrypt) by `zap`, which must be bound already and which the transport then runs and closes.
   */
  readonly security?: { readonly keys: JobKeys; readonly zap: ZapResponder };
}

/**
 * The receive timeout of the rank's reading sockets, in milliseconds. A pending receive keeps the
 * Node event loop alive; this bound lets an idle reader notice that nobody waits any more and
 * stop, so a program can exit without calling finalize().
 */
export const IDLE_RECEIVE_TIMEOUT_MS = 100;
const DEFAULT_LINGER_MS = 10_000;

/** The {@link Transport} over ZeroMQ sockets. */
export class ZmqTransport implements Transport {
  readonly endpoints: RankEndpoints;
  readonly #rank: number;
  readonly #pull: Pull;
  readonly #sink: MessageSink;
  readonly #wanted: () => boolean;
  readonly #lingerMs: number;
  readonly #security: JobKeys | undefined;
  readonly #zap: ZapResponder | undefined;
  #peers: readonly PeerAddress[] = [];
  #selfNode = -1;
  readonly #pushes = new Map<number, Push>();
  // The last send queued per destination; zeromq.js allows one pending send per socket.
  readonly #sendTails = new Map<number, Promise<void>>();
  // Per destination, sends waiting for an earlier one before they hand their message to zeromq.js.
  readonly #notStarted = new Map<number, number>();
  #reading = false;
  #closed = false;

  private constructor(options: ZmqTransportOptions, pull: Pull, endpoints: RankEndpoints) {
    this.#rank = options.rank;
    this.#pull = pull;
    this.#sink = options.sink;
    this.#wanted = options.wanted;
    this.#lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.#security = options.security?.keys;
    this.#zap = options.security?.zap;
    this.endpoints = endpoints;
  }

  /** Binds the inbound socket on the requested endpoints. */
  static async bind(options: ZmqTransportOptions): Promise<ZmqTransport> {
    const pull = new Pull({ linger: 0, receiveTimeout: IDLE_RECEIVE_TIMEOUT_MS });
    const endpoints: { ipc?: string; tcp?: string } = {};
    try {
      if (options.ipcPath !== undefined) {
        endpoints.ipc = `ipc://${options.ipcPath}`;
        if (options.security !== undefined) secureInbound(pull, options.security.keys, endpoints.ipc);
        await pull.bind(endpoints.ipc);
      }
      if (options.tcpAddress !== undefined) {
        if (options.security !== undefined) secureInbound(pull, options.security.keys, `tcp://${options.tcpAddress}`);
        await pull.bind(`tcp://${options.tcpAddress}:*`);
        endpoints.tcp = pull.lastEndpoint ?? undefined;
      }
    } catch (error) {
      pull.close();
      throw error;
    }
    return new ZmqTransport(options, pull, endpoints);
  }

  setPeers(peers: readonly PeerAddress[]): void {
    this.#peers = peers;
    this.#selfNode = peers[this.#rank]?.node ?? -1;
  }

  send(dest: number, frames: Buffer[]): Promise<void> {
    if (dest === this.#rank) {
      // Loopback keeps order with other self-sends: microtasks run first in, first out.
      queueMicrotask(() => this.#sink(frames));
      return Promise.resolve();
    }
    const push = this.#pushFor(dest);
    const previous = this.#sendTails.get(dest);
    let sent: Promise<void> | undefined;
    // With no earlier send to wait for (no tail), none can be waiting its turn either.
    if (this.#sendsNotStarted(dest) === 0) {
      // zeromq.js hands a message to libzmq at once when the socket can take it, and refuses a
      // send (EBUSY, thrown) only while an earlier one still waits to be taken: then, and only
      // then, this one waits its turn. Sending at once, rather than after the earlier send's
      // promise callbacks have run, lets a burst of sends (isend in a loop) leave while the
      // program still makes them.
      try {
        sent = push.send(frames);
      } catch (error) {
        if (previous === undefined || (error as { code?: string }).code !== 'EBUSY') throw error;
      }
    }
    if (sent === undefined) {
      this.#notStarted.set(dest, this.#sendsNotStarted(dest) + 1);
      const start = (): Promise<void> => {
        this.#notStarted.set(dest, this.#sendsNotStarted(dest) - 1);
        return push.send(frames);
      };
      sent = (previous as Promise<void>).then(start, (error: unknown) => {
        this.#notStarted.set(dest, this.#sendsNotStarted(dest) - 1);
        throw error;
      });
    }
    this.#sendTails.set(dest, sent);
    // The chain must survive a failed send; the caller sees the failure through `sent`.
    void sent.then(
      () => this.#forgetTail(dest, sent),
      () => this.#forgetTail(dest, sent),
    );
    return sent;
  }

  wake(): void {
    if (this.#closed) return;
    // Peers' connections are authenticated exactly while this rank reads: see zap-responder.ts.
    this.#zap?.answerWhile(this.#wanted);
    if (!this.#reading) void this.#readWhileWanted();
  }

  async poll(): Promise<void> {
    await this.#zap?.answerPending();
    if (this.#reading) {
      // The reader already takes messages as they arrive; let it run once.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return;
    }
    this.#reading = true;
    try {
      while (!this.#closed && (this.#pull as unknown as { readable: boolean }).readable) {
        this.#sink(await this.#pull.receive());
      }
    } finally {
      this.#reading = false;
    }
    // A receive posted while this drained found the reader busy and relied on it.
    if (this.#wanted()) this.wake();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pull.close();
    this.#zap?.close();
    for (const push of this.#pushes.values()) push.close();
    this.#pushes.clear();
  }

  /** Closes every socket without waiting to deliver queued messages (the process is dying). */
  abandon(): void {
    for (const push of this.#pushes.values()) push.linger = 0;
    this.close();
  }

  #sendsNotStarted(dest: number): number {
    return this.#notStarted.get(dest) ?? 0;
  }

  #forgetTail(dest: number, sent: Promise<void>): void {
    if (this.#sendTails.get(dest) === sent) this.#sendTails.delete(dest);
  }

  #pushFor(dest: number): Push {
    let push = this.#pushes.get(dest);
    if (push !== undefined) return push;
    const peer = this.#peers[dest];
    if (peer === undefined) throw new RangeError(`no address is known for rank ${dest}`);
    const endpoint = peer.node === this.#selfNode && peer.endpoints.ipc ? peer.endpoints.ipc : peer.endpoints.tcp;
    if (endpoint === undefined) throw new RangeError(`rank ${dest} has no endpoint reachable from rank ${this.#rank}`);
    push = new Push({ linger: this.#lingerMs });
    if (this.#security !== undefined) secureOutbound(push, this.#security, endpoint);
    push.connect(endpoint);
    this.#pushes.set(dest, push);
    return push;
  }

  async #readWhileWanted(): Promise<void> {
    this.#reading = true;
    try {
      while (!this.#closed && this.#wanted()) {
        let frames: Buffer[];
        try {
          frames = await this.#pull.receive();
        } catch (error) {
          if ((error as { code?: string }).code === 'EAGAIN') continue;
          if (this.#closed) return;
          throw error;
        }
        this.#sink(frames);
      }
    } finally {
      this.#reading = false;
    }
  }
}
