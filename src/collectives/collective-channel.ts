/**
 * The point-to-point a communicator's collectives run on: a context of their own (so no user
 * receive, not even ANY_SOURCE/ANY_TAG, can take their messages), a sequence number per collective
 * call as the tag (so back-to-back and non-blocking collectives never mix), and the call's kind and
 * root in the header's aux word (so ranks that call different collectives get an error naming both
 * calls instead of a hang or wrong data).
 */
import type { CallSlot } from '../observe/call-tracker.js';
import { TsmpiError } from '../errors.js';
import type { Encoding } from '../codec/message-header.js';
import { decodeBody, encodeBody, type EncodedBody } from '../codec/value-codec.js';
import type { Messenger } from '../comm/messenger.js';
import type { NodeBoard } from './node-board.js';

/** Every collective call, with the code it carries on the wire (6 bits). */
export const COLLECTIVE_KINDS = {
  barrier: 1,
  bcast: 2,
  scatter: 3,
  gather: 4,
  allgather: 5,
  alltoall: 6,
  reduce: 7,
  allreduce: 8,
  scan: 9,
  exscan: 10,
  scatterv: 11,
  gatherv: 12,
  split: 13,
  dup: 14,
} as const;

/** The name of a collective call. */
export type CollectiveKind = keyof typeof COLLECTIVE_KINDS;

const KIND_NAMES = new Map<number, CollectiveKind>(
  Object.entries(COLLECTIVE_KINDS).map(([name, code]) => [code, name as CollectiveKind]),
);

/**
 * The calls that run on a communicator's board in shared memory when it has one (all its ranks on
 * one node; board-collectives.ts). The others always exchange messages.
 */
export const BOARD_KINDS: ReadonlySet<CollectiveKind> = new Set<CollectiveKind>(['barrier', 'bcast', 'gather', 'allgather', 'reduce', 'allreduce', 'split', 'dup']);

/** No root (for collectives that have none). */
export const NO_ROOT = -1;

/** One collective call on one rank. */
export interface CollectiveCall {
  readonly kind: CollectiveKind;
  /** Root rank in the communicator, or NO_ROOT. */
  readonly root: number;
  /** Position of this call among the communicator's collective calls. */
  readonly seq: number;
  /**
   * A variant the algorithm tells its peers with its messages (0 to 3), for choices only the
   * root can make, such as a bandwidth algorithm for a large buffer.
   */
  readonly variant?: number;
}

function describeCall(kind: CollectiveKind | undefined, root: number): string {
  if (kind === undefined) return 'an unknown collective';
  return root === NO_ROOT ? `${kind}()` : `${kind}(root=${root})`;
}

/** The header's aux word for `call`: kind (6 bits) | variant (2 bits) | root + 1 (24 bits). */
export function auxOf(call: CollectiveCall): number {
  return ((COLLECTIVE_KINDS[call.kind] << 26) | ((call.variant ?? 0) << 24) | ((call.root + 1) & 0xffffff)) >>> 0;
}

// Enough history to name this rank's side of a mismatch found late (at finalize).
const REMEMBERED_CALLS = 256;

/** A received collective message: its value and the variant the sender used. */
export interface CollectiveMessage {
  readonly value: unknown;
  readonly variant: number;
}

/** Sends and receives the messages of collective calls on one communicator. */
export class CollectiveChannel {
  readonly #messenger: Messenger;
  readonly #worldRanks: readonly number[];
  readonly #context: number;
  readonly #commName: string;
  readonly #rank: number;
  readonly #recentCalls = new Map<number, CollectiveCall>();
  // Looked up at the first collective call: undefined when the communicator has no board.
  #board: NodeBoard | undefined | null = null;

  /**
   * @param worldRanks - world rank of each communicator rank
   * @param context - the communicator's collective context id
   */
  constructor(messenger: Messenger, worldRanks: readonly number[], rank: number, context: number, commName: string) {
    this.#messenger = messenger;
    this.#worldRanks = worldRanks;
    this.#rank = rank;
    this.#context = context;
    this.#commName = commName;
  }

  /** The context id this channel sends and receives on. */
  get context(): number {
    return this.#context;
  }

  /** Some node of the job runs more ranks than it has slots (see {@link Messenger.oversubscribed}). */
  get oversubscribed(): boolean {
    return this.#messenger.oversubscribed;
  }

  /**
   * The communicator's board in shared memory, when every one of its ranks runs on this node and
   * the launcher gave the node a directory for it (see node-board.ts); undefined otherwise.
   */
  get board(): NodeBoard | undefined {
    if (this.#board === null) this.#board = this.#messenger.boardFor(this.#context, this.#worldRanks, this.#rank);
    return this.#board;
  }

  /** Releases the communicator's board, if it has one open (its files stay for the other ranks). */
  closeBoard(error: Error): void {
    if (this.#board !== null && this.#board !== undefined) this.#board.close(error);
    this.#board = undefined;
  }

  /**
   * Remembers a call this rank made, to describe it should a mismatch only show later. A call made
   * by messages on a communicator with a board is also announced there, for ranks waiting on it.
   */
  noteCall(call: CollectiveCall): void {
    this.#recentCalls.set(tagOf(call), call);
    this.#recentCalls.delete((call.seq - REMEMBERED_CALLS) & 0x7fffffff);
    if (!BOARD_KINDS.has(call.kind)) this.board?.announce(call.seq, auxOf(call));
  }

  /**
   * Checks an arriving message against the call this rank made with the same number, if it has
   * made it: a message of another kind or root proves a mismatch, even when the message is not
   * one this rank's algorithm would ever receive (which would otherwise end in a hang).
   */
  checkArrival(source: number, tag: number, aux: number): TsmpiError | undefined {
    const mine = this.#recentCalls.get(tag);
    if (mine === undefined) return undefined;
    const kind = KIND_NAMES.get(aux >>> 26);
    const root = (aux & 0xffffff) - 1;
    if (kind === mine.kind && root === mine.root) return undefined;
    return new TsmpiError('ERR_COLLECTIVE_MISMATCH', this.describeLeftover(source, tag, aux));
  }

  /**
   * Explains a message of this channel that no call of this rank received: the sender made a
   * collective call this rank did not make.
   */
  describeLeftover(source: number, tag: number, aux: number): string {
    const theirs = describeCall(KIND_NAMES.get(aux >>> 26), (aux & 0xffffff) - 1);
    const sender = this.#worldRanks.indexOf(source);
    const mine = this.#recentCalls.get(tag);
    const ours = mine === undefined ? 'made no such call' : `called ${describeCall(mine.kind, mine.root)}`;
    return (
      `collective call #${tag + 1} on ${this.#commName}: rank ${sender} called ${theirs} but rank ${this.#rank} ${ours}; ` +
      'every rank must make the same collective calls in the same order'
    );
  }

  /** Encodes `value` once, for sending to several ranks. */
  encode(value: unknown): EncodedBody {
    return encodeBody(value);
  }

  /** Sends `value` (or an already encoded body) to communicator rank `dest`. */
  send(call: CollectiveCall, dest: number, value: unknown): Promise<void> {
    return this.sendEncoded(call, dest, encodeBody(value));
  }

  /** Sends an encoded body to communicator rank `dest`. */
  sendEncoded(call: CollectiveCall, dest: number, body: EncodedBody): Promise<void> {
    return this.#messenger.send(this.#worldRank(dest), this.#context, tagOf(call), body, auxOf(call));
  }

  /**
   * Receives the next message of `call` from communicator rank `source`.
   * @throws TsmpiError ERR_COLLECTIVE_MISMATCH when `source` is in a different collective call
   */
  async recv(call: CollectiveCall, source: number): Promise<unknown> {
    return (await this.recvMessage(call, source)).value;
  }

  /** Like {@link recv}, with the variant the sender chose. */
  async recvMessage(call: CollectiveCall, source: number): Promise<CollectiveMessage> {
    const envelope = await this.#messenger.receive(this.#context, this.#worldRank(source), tagOf(call));
    const mismatch = this.mismatch(call, source, envelope.aux);
    if (mismatch !== undefined) throw mismatch;
    return { value: decodeBody(envelope.encoding as Encoding, envelope.kindCode, envelope.body), variant: (envelope.aux >>> 24) & 0x3 };
  }

  /**
   * The error for communicator rank `other` having made the call `theirAux` describes (as numbered
   * `theirSeq`) where this rank made `call`; undefined when the two agree.
   */
  mismatch(call: CollectiveCall, other: number, theirAux: number, theirSeq: number = call.seq): TsmpiError | undefined {
    const kind = KIND_NAMES.get(theirAux >>> 26);
    const root = (theirAux & 0xffffff) - 1;
    if (kind !== call.kind || root !== call.root) {
      return new TsmpiError(
        'ERR_COLLECTIVE_MISMATCH',
        `collective call #${call.seq + 1} on ${this.#commName}: rank ${this.#rank} called ${describeCall(call.kind, call.root)} ` +
          `but rank ${other} called ${describeCall(kind, root)}; every rank must make the same collective calls in the same order`,
      );
    }
    const variant = (theirAux >>> 24) & 0x3;
    if (call.variant !== undefined && variant !== call.variant) {
      return new TsmpiError(
        'ERR_COLLECTIVE_MISMATCH',
        `collective call #${call.seq + 1} on ${this.#commName}: ranks ${this.#rank} and ${other} chose different algorithms for ` +
          `${describeCall(call.kind, call.root)} because their values differ in size or kind; every rank must pass values of the same shape`,
      );
    }
    if (theirSeq !== call.seq) {
      return new TsmpiError(
        'ERR_COLLECTIVE_MISMATCH',
        `collective call #${call.seq + 1} on ${this.#commName}: rank ${this.#rank} called ${describeCall(call.kind, call.root)} ` +
          `as its call #${call.seq + 1} but rank ${other} as its call #${theirSeq + 1}; every rank must make the same collective calls in the same order`,
      );
    }
    return undefined;
  }

  /** Sends to `dest` and receives from `source` at once (the step of most collective algorithms). */
  async exchange(call: CollectiveCall, dest: number, value: unknown, source: number): Promise<unknown> {
    const received = this.recv(call, source);
    await Promise.all([this.send(call, dest, value), received]);
    return received;
  }

  #worldRank(rank: number): number {
    return this.#worldRanks[rank] as number;
  }
}

function tagOf(call: CollectiveCall): number {
  return call.seq & 0x7fffffff;
}

/** What every collective algorithm works with: who it is, and the call it is part of. */
export interface CollectiveScope {
  /** This rank in the communicator. */
  readonly rank: number;
  /** Ranks in the communicator. */
  readonly size: number;
  readonly channel: CollectiveChannel;
  readonly call: CollectiveCall;
  /** The call's slot in the call tracker, where the chosen algorithm is noted for --trace. */
  tracked?: CallSlot;
}
