/**
 * The messages between a rank and the launcher side (tsmpiexec or the node agent that started the
 * rank). They travel over the rank's control channel; this file is the whole protocol, imported by
 * both sides.
 */

/** Bumped whenever a message below changes shape; a rank and a launcher must agree on it. */
export const CONTROL_PROTOCOL_VERSION = 2;

/** Where a rank accepts point-to-point messages. */
export interface RankEndpoints {
  /** A ZeroMQ ipc endpoint, usable by ranks on the same node. */
  readonly ipc?: string;
  /** A ZeroMQ tcp endpoint, usable from other nodes. */
  readonly tcp?: string;
}

/** What every rank learns about one peer (the table is indexed by world rank). */
export interface PeerAddress {
  /** Index of the node the peer runs on; equal indexes mean the same node. */
  readonly node: number;
  readonly endpoints: RankEndpoints;
}

/** A rank announces itself from init(), once its inbound socket is bound. */
export interface HelloMessage {
  readonly type: 'hello';
  readonly protocol: number;
  readonly rank: number;
  readonly pid: number;
  readonly endpoints: RankEndpoints;
}

/** A rank is about to die of an uncaught exception or an unhandled rejection. */
export interface FatalMessage {
  readonly type: 'fatal';
  readonly rank: number;
  readonly origin: 'uncaughtException' | 'unhandledRejection';
  /** The first line of the error as Node would print it (for example `Error: boom`). */
  readonly summary: string;
  /** The stack, or the summary when the thrown value has none. */
  readonly stack: string;
}

/** A rank is in finalize(): it waits for {@link ReleasedMessage} before it closes its sockets. */
export interface FinalizedMessage {
  readonly type: 'finalized';
  readonly rank: number;
}

/** How far a long operation of a rank has got (a pool map), for tsmpiexec's progress bar. */
export interface ProgressMessage {
  readonly type: 'progress';
  readonly rank: number;
  /** What is progressing, e.g. "map simulate". */
  readonly label: string;
  readonly done: number;
  /** Total items, or null when unknown (imap over an endless iterable). */
  readonly total: number | null;
}

/** Messages a rank sends. */
export type RankToLauncher = HelloMessage | FatalMessage | FinalizedMessage | ProgressMessage;

/** Every rank has said hello: here is the table of all of them. */
export interface PeersMessage {
  readonly type: 'peers';
  readonly peers: readonly PeerAddress[];
}

/** The launcher cannot accept this rank (for example a protocol mismatch); init() fails. */
export interface RefusedMessage {
  readonly type: 'refused';
  readonly reason: string;
}

/**
 * Every rank of the job has finalized or ended: a rank in finalize() may close its sockets. Until
 * then it keeps them open, so that what it sent still reaches ranks that are receiving, however
 * slowly (a closed socket gives up after its linger time and drops what it holds).
 */
export interface ReleasedMessage {
  readonly type: 'released';
}

/** Messages the launcher side sends to a rank. */
export type LauncherToRank = PeersMessage | RefusedMessage | ReleasedMessage;
