/**
 * What the communicator layer needs from a transport: ordered delivery of multi-frame messages
 * between ranks. Implementations vary (ZeroMQ today); this interface is all the layers above see.
 */
import type { PeerAddress, RankEndpoints } from '../protocol/control-messages.js';

/** Called with the frames of every message that arrives, in arrival order. */
export type MessageSink = (frames: Buffer[]) => void;

/** Moves messages between this rank and its peers. */
export interface Transport {
  /** Where peers reach this rank. */
  readonly endpoints: RankEndpoints;

  /** Learns where every rank listens (indexed by world rank); called once, before any send. */
  setPeers(peers: readonly PeerAddress[]): void;

  /**
   * Queues `frames` for rank `dest`. Messages to one destination arrive in the order of the calls.
   * Resolves once the transport owns the frames; waits (never drops) while the peer is behind.
   */
  send(dest: number, frames: Buffer[]): Promise<void>;

  /**
   * Makes sure arriving messages are being read. The transport keeps reading while the `wanted`
   * callback it was created with returns true, and stops (leaving messages queued at the socket,
   * which pushes back on senders) when it returns false.
   */
  wake(): void;

  /** Reads every message that has already arrived, without waiting for more. */
  poll(): Promise<void>;

  /** Stops reading and closes every socket; messages already queued for sending still go out. */
  close(): void;
}
