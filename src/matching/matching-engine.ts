/**
 * MPI message matching. Arriving messages meet posted receives: a message goes to the earliest
 * posted receive it matches, and a receive takes the earliest arrived message it matches. Because
 * the transport delivers each sender's messages in order, messages from one sender with one tag
 * are received in the order they were sent.
 */
/** Matches any source in a receive or probe. */
export const ANY_SOURCE = -1;
/** Matches any tag in a receive or probe. */
export const ANY_TAG = -1;

/** A message as the matching engine sees it: addressing plus the undecoded body. */
export interface Envelope {
  /** Context id of the communicator traffic it belongs to. */
  readonly context: number;
  /** World rank of the sender. */
  readonly source: number;
  readonly tag: number;
  /** What the header's aux word says (which collective call, for collective traffic). */
  readonly aux: number;
  readonly encoding: number;
  readonly kindCode: number;
  /** The body frames (everything after the header). */
  readonly body: Uint8Array[];
  /** Body size in bytes. */
  readonly size: number;
}

interface Waiter {
  readonly context: number;
  readonly source: number;
  readonly tag: number;
  readonly resolve: (envelope: Envelope) => void;
  readonly reject: (error: Error) => void;
  /** Where a receive into the caller's memory wants the bytes of a binary array. */
  readonly into?: Uint8Array;
}

function matches(waiter: Waiter, envelope: Envelope): boolean {
  return takes(waiter.context, waiter.source, waiter.tag, envelope.context, envelope.source, envelope.tag);
}

/**
 * Whether a receive for `wantedSource` (or ANY_SOURCE) and `wantedTag` (or ANY_TAG) in
 * `wantedContext` takes a message from `source` with `tag` in `context`.
 */
function takes(wantedContext: number, wantedSource: number, wantedTag: number, context: number, source: number, tag: number): boolean {
  return wantedContext === context && (wantedSource === ANY_SOURCE || wantedSource === source) && (wantedTag === ANY_TAG || wantedTag === tag);
}

/** Queues of posted receives, pending probes and unexpected messages. */
export class MatchingEngine {
  readonly #unexpected: Envelope[] = [];
  readonly #receives: Waiter[] = [];
  readonly #probes: Waiter[] = [];
  #closedWith: Error | undefined;

  /** True while some receive or probe is waiting for a message that has not arrived. */
  get hasWaiters(): boolean {
    return this.#receives.length > 0 || this.#probes.length > 0;
  }

  /** Number of messages that arrived before a receive matched them. */
  get unexpectedCount(): number {
    return this.#unexpected.length;
  }

  /** The messages that arrived and that no receive has taken yet, in arrival order. */
  get unexpected(): readonly Envelope[] {
    return this.#unexpected;
  }

  /** Hands an arrived message to the earliest matching receive, or keeps it as unexpected. */
  deliver(envelope: Envelope): void {
    if (this.#probes.length > 0) {
      for (let i = 0; i < this.#probes.length; ) {
        const probe = this.#probes[i] as Waiter;
        if (matches(probe, envelope)) {
          this.#probes.splice(i, 1);
          probe.resolve(envelope);
        } else i++;
      }
    }
    // A loop rather than findIndex: no closure per message.
    const receives = this.#receives;
    for (let index = 0; index < receives.length; index++) {
      const waiter = receives[index] as Waiter;
      if (!matches(waiter, envelope)) continue;
      receives.splice(index, 1);
      waiter.resolve(envelope);
      return;
    }
    this.#unexpected.push(envelope);
  }

  /**
   * Posts a receive; resolves with the earliest matching message, now or when one arrives.
   * `source` is a world rank or ANY_SOURCE. `into` is memory that the bytes of a binary array
   * arriving for this receive may be placed in directly (see {@link bufferWaitingFor}).
   */
  receive(context: number, source: number, tag: number, into?: Uint8Array): Promise<Envelope> {
    const found = this.#takeUnexpected(context, source, tag, true);
    if (found !== undefined) return Promise.resolve(found);
    return this.#wait(this.#receives, context, source, tag, into);
  }

  /**
   * The memory of the receive that a message with this addressing would go to now, if that
   * receive gave any: the transport may read the message's bytes straight into it, just before
   * {@link deliver}.
   */
  bufferWaitingFor(context: number, source: number, tag: number): Uint8Array | undefined {
    // A loop, as in deliver: this runs for every message that arrives through a lane.
    for (const waiter of this.#receives) {
      if (takes(waiter.context, waiter.source, waiter.tag, context, source, tag)) return waiter.into;
    }
    return undefined;
  }

  /** Like {@link receive} but leaves the message queued for a later receive. */
  probe(context: number, source: number, tag: number): Promise<Envelope> {
    const found = this.#takeUnexpected(context, source, tag, false);
    if (found !== undefined) return Promise.resolve(found);
    return this.#wait(this.#probes, context, source, tag);
  }

  /** The earliest queued message matching, without removing it, or undefined. */
  peek(context: number, source: number, tag: number): Envelope | undefined {
    return this.#takeUnexpected(context, source, tag, false);
  }

  /** Fails the receives and probes waiting on `context` with `tag` (from any source). */
  failWaiting(context: number, tag: number, error: Error): void {
    for (const queue of [this.#receives, this.#probes]) {
      for (let i = 0; i < queue.length; ) {
        const waiter = queue[i] as Waiter;
        if (waiter.context === context && waiter.tag === tag) {
          queue.splice(i, 1);
          waiter.reject(error);
        } else i++;
      }
    }
  }

  /** Fails every waiting receive and probe with `error`, and every later one too. */
  close(error: Error): void {
    this.#closedWith = error;
    for (const waiter of [...this.#receives.splice(0), ...this.#probes.splice(0)]) waiter.reject(error);
    this.#unexpected.length = 0;
  }

  // A loop rather than findIndex: no closure and no stand-in waiter per receive (the hot path).
  #takeUnexpected(context: number, source: number, tag: number, remove: boolean): Envelope | undefined {
    const queue = this.#unexpected;
    for (let index = 0; index < queue.length; index++) {
      const envelope = queue[index] as Envelope;
      if (!takes(context, source, tag, envelope.context, envelope.source, envelope.tag)) continue;
      if (remove) queue.splice(index, 1);
      return envelope;
    }
    return undefined;
  }

  #wait(queue: Waiter[], context: number, source: number, tag: number, into?: Uint8Array): Promise<Envelope> {
    if (this.#closedWith !== undefined) return Promise.reject(this.#closedWith);
    return new Promise<Envelope>((resolve, reject) => {
      queue.push(into === undefined ? { context, source, tag, resolve, reject } : { context, source, tag, resolve, reject, into });
    });
  }
}

