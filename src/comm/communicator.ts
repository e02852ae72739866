/**
 * A communicator: a group of ranks and a private context for their messages. Point-to-point
 * calls are named and ordered as in mpi4py's lowercase API, in camelCase, and are all
 * asynchronous.
 */
import { TsmpiError } from '../errors.js';
import type { Encoding } from '../codec/message-header.js';
import { decodeBody, encodeBody } from '../codec/value-codec.js';
import { ANY_SOURCE, ANY_TAG, type Envelope } from '../matching/matching-engine.js';
import type { Messenger } from './messenger.js';
import { Request, type Completion } from './request.js';
import { Status } from './status.js';

export { ANY_SOURCE, ANY_TAG };
/** A rank that sends and receives nothing: sends to it complete at once, receives get undefined. */
export const PROC_NULL = -2;
/** The largest tag a message can carry. */
export const TAG_UB = 0x7fffffff;

/** How a communicator maps its ranks to world ranks and which context ids it owns. */
export interface CommLayout {
  /** World rank of each rank of the communicator, indexed by communicator rank. */
  readonly worldRanks: readonly number[];
  /** This process's rank in the communicator. */
  readonly rank: number;
  /** Context id for point-to-point traffic (collectives get their own). */
  readonly pointToPointContext: number;
}

/** A group of ranks that exchange messages isolated from every other communicator's. */
export class Comm {
  /** This process's rank in the communicator, from 0 to size - 1. */
  readonly rank: number;
  /** Number of ranks in the communicator. */
  readonly size: number;
  readonly #messenger: Messenger;
  readonly #worldRanks: readonly number[];
  readonly #localRankOfWorld: ReadonlyMap<number, number>;
  readonly #context: number;

  /** Communicators are made by init() (COMM_WORLD) and, later, by split/dup. */
  constructor(messenger: Messenger, layout: CommLayout) {
    this.#messenger = messenger;
    this.#worldRanks = layout.worldRanks;
    this.#localRankOfWorld = new Map(layout.worldRanks.map((world, local) => [world, local]));
    this.#context = layout.pointToPointContext;
    this.rank = layout.rank;
    this.size = layout.worldRanks.length;
  }

  /**
   * Sends `value` to rank `dest` with `tag`. Resolves once the value is on its way; the caller may
   * change `value` (and any buffer in it) as soon as this is called.
   */
  async send(value: unknown, dest: number, tag = 0): Promise<void> {
    return this.#startSend('send', value, dest, tag);
  }

  /** Starts sending `value`; the value is captured at the call, so it may change right after. */
  isend(value: unknown, dest: number, tag = 0): Request<void> {
    const sending = this.#startSend('isend', value, dest, tag);
    return new Request(sending.then(() => ({ value: undefined })));
  }

  /**
   * Receives the earliest message from `source` with `tag` (wildcards ANY_SOURCE, ANY_TAG) and
   * resolves with its value; fills `status` when given.
   */
  async recv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<T> {
    const completion = await this.#startReceive<T>('recv', source, tag);
    if (status !== undefined && completion.status !== undefined) status.assign(completion.status);
    return completion.value;
  }

  /** Starts a receive; the request's wait() resolves with the value. */
  irecv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<T> {
    return new Request(this.#startReceive<T>('irecv', source, tag));
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
    const receiving = this.#startReceive<T>('sendrecv', source, recvTag);
    const [, completion] = await Promise.all([this.#startSend('sendrecv', value, dest, sendTag), receiving]);
    if (status !== undefined && completion.status !== undefined) status.assign(completion.status);
    return completion.value;
  }

  /** Waits until a matching message has arrived and returns its status, without receiving it. */
  async probe(source: number = ANY_SOURCE, tag: number = ANY_TAG): Promise<Status> {
    this.#checkOpen('probe');
    const worldSource = this.#checkSource('probe', source);
    this.#checkReceiveTag('probe', tag);
    if (worldSource === PROC_NULL) return nullStatus();
    return this.#statusOf(await this.#messenger.probe(this.#context, worldSource, tag));
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

  #startSend(call: string, value: unknown, dest: number, tag: number): Promise<void> {
    this.#checkOpen(call);
    const worldDest = this.#checkDest(call, dest);
    this.#checkSendTag(call, tag);
    if (worldDest === PROC_NULL) return Promise.resolve();
    // Encoding copies the value now: the caller may reuse its buffers as soon as we return.
    const body = encodeBody(value);
    return this.#messenger.send(worldDest, this.#context, tag, body);
  }

  #startReceive<T>(call: string, source: number, tag: number): Promise<Completion<T>> {
    // Arguments are checked before anything starts, so irecv() throws at the call like isend().
    this.#checkOpen(call);
    const worldSource = this.#checkSource(call, source);
    this.#checkReceiveTag(call, tag);
    if (worldSource === PROC_NULL) return Promise.resolve({ value: undefined as T, status: nullStatus() });
    return this.#messenger.receive(this.#context, worldSource, tag).then((envelope) => ({
      value: decodeBody(envelope.encoding as Encoding, envelope.kindCode, envelope.body) as T,
      status: this.#statusOf(envelope),
    }));
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

function nullStatus(): Status {
  const status = new Status();
  status.source = PROC_NULL;
  status.tag = ANY_TAG;
  return status;
}
