/**
 * The transport of a job of one rank (a program run without tsmpiexec): every message is to self,
 * so no socket is opened and ZeroMQ is never loaded.
 */
import type { PeerAddress, RankEndpoints } from '../protocol/control-messages.js';
import type { MessageSink, Transport } from './transport.js';

/** A {@link Transport} that only delivers to its own rank. */
export class LoopbackTransport implements Transport {
  readonly endpoints: RankEndpoints = {};
  readonly #sink: MessageSink;

  constructor(sink: MessageSink) {
    this.#sink = sink;
  }

  setPeers(_peers: readonly PeerAddress[]): void {}

  send(dest: number, frames: Buffer[]): Promise<void> {
    if (dest !== 0) return Promise.reject(new RangeError(`rank ${dest} does not exist in a job of one rank`));
    queueMicrotask(() => this.#sink(frames));
    return Promise.resolve();
  }

  wake(): void {}

  async poll(): Promise<void> {}

  close(): void {}
}
