/**
 * The messages between a rank and the launcher side (tsmpiexec or the node agent that started the
 * rank). They travel over the rank's control channel; this file is the whole protocol, imported by
 * both sides.
 */
import type { JobCredentials } from '../transport/job-secret.js';

/** Bumped whenever a message below changes shape; a rank and a launcher must agree on it. */
export const CONTROL_PROTOCOL_VERSION = 5;

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
  /** Where the peer keeps its communicators' boards in shared memory, if it can (see {@link HelloMessage.boardDir}). */
  readonly boardDir?: string;
}

/** A rank announces itself from init(), once its inbound socket is bound. */
export interface HelloMessage {
  readonly type: 'hello';
  readonly protocol: number;
  readonly rank: number;
  readonly pid: number;
  readonly endpoints: RankEndpoints;
  /**
   * The directory where this rank keeps its communicators' boards in shared memory, if it can
   * (src/collectives/node-board.ts). A communicator has a board only when all its ranks name the
   * same directory, so every rank decides alike.
   */
  readonly boardDir?: string;
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

/**
 * One finished communication call (or user span) of a rank, for --trace and --profile. Times are
 * milliseconds on the launcher's clock (the rank's clock plus its measured offset).
 */
export interface CallRecord {
  /** The call (`send`, `recv`, `bcast`, `irecv`, ...), or `span` for a user span. */
  readonly call: string;
  /** The communicator's name, or the span's name. */
  readonly on: string;
  /** The call's arguments as the user gave them (`dest=1, tag=7`), '' when it has none. */
  readonly args: string;
  /** Destination or source rank in the communicator (-1 when none or a wildcard). */
  readonly peer: number;
  /** Bytes sent or received (for collectives: the binary array's size, else 0). */
  readonly bytes: number;
  /** For a collective: the algorithm it ran (`binomial tree`, `through rank 0`, ...). */
  readonly algorithm?: string;
  readonly start: number;
  readonly end: number;
  /**
   * For a send or receive (not sendrecv): the message as [context id, world rank of the peer,
   * tag], which lets the trace pair each send with its receive.
   */
  readonly message?: readonly [context: number, worldPeer: number, tag: number];
}

/** The rank's clock against the launcher's: the rank sends this, the launcher answers with clock-pong. */
export interface ClockPingMessage {
  readonly type: 'clock-ping';
  readonly rank: number;
  readonly id: number;
}

/** Recorded calls, sent in batches while the job runs and at finalize (only when recording). */
export interface CallRecordsMessage {
  readonly type: 'call-records';
  readonly rank: number;
  readonly records: readonly CallRecord[];
}

/** One call a rank is in when asked (a blocking call, or a non-blocking one not yet complete). */
export interface CallInProgress {
  /** `recv(source=0, tag=7)`, with ` on <communicator>` for communicators other than COMM_WORLD. */
  readonly call: string;
  /** Seconds since the call started. */
  readonly seconds: number;
  /** True for a non-blocking call (isend, irecv, ibcast...) that has not completed. */
  readonly pending: boolean;
}

/** A rank's answer to a status-request: what it is waiting in. */
export interface StatusMessage {
  readonly type: 'status';
  readonly rank: number;
  readonly id: number;
  /** Whether finalize() has been called (the rank may still be waiting in it). */
  readonly finalized: boolean;
  readonly calls: readonly CallInProgress[];
}

/** Messages a rank sends. */
export type RankToLauncher =
  | HelloMessage
  | FatalMessage
  | FinalizedMessage
  | ProgressMessage
  | ClockPingMessage
  | CallRecordsMessage
  | StatusMessage;

/** Every rank has said hello: here is the table of all of them. */
export interface PeersMessage {
  readonly type: 'peers';
  readonly peers: readonly PeerAddress[];
  /**
   * True when some node runs more ranks than it has slots (by default its cores; a hostfile may
   * say otherwise), so that ranks take turns on the cores; collectives then prefer algorithms that send fewer messages in all (see
   * docs/collectives.md). The same for every rank, so every rank chooses alike.
   */
  readonly oversubscribed?: boolean;
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

/**
 * The job's credentials (src/transport/job-secret.ts), the first message on every rank's channel:
 * they travel here and never on a command line or in the environment, which `ps` shows to anyone.
 */
export interface CredentialsMessage extends JobCredentials {
  readonly type: 'credentials';
}

/** The answer to a clock-ping: the launcher's clock (milliseconds) when it answered. */
export interface ClockPongMessage {
  readonly type: 'clock-pong';
  readonly id: number;
  readonly time: number;
}

/**
 * What is the rank waiting in? Answered with a status message as soon as the rank's event loop
 * is free, at any time after the rank started init(); for deadlock reports.
 */
export interface StatusRequestMessage {
  readonly type: 'status-request';
  readonly id: number;
}

/** Messages the launcher side sends to a rank. */
export type LauncherToRank =
  | CredentialsMessage
  | PeersMessage
  | RefusedMessage
  | ReleasedMessage
  | ClockPongMessage
  | StatusRequestMessage;
