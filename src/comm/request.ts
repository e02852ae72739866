/**
 * Requests returned by isend/irecv: a handle to an operation in progress that can be waited on or
 * tested, alone or in groups, as in mpi4py.
 */
import { TsmpiError } from '../errors.js';
import type { Status } from './status.js';
import { endCall, type CallSlot } from '../observe/call-tracker.js';

/** How an operation ended: a value and, for receives, the status of the message. */
export interface Completion<T> {
  readonly value: T;
  readonly status?: Status;
}

type Outcome<T> = { readonly ok: true; readonly completion: Completion<T> } | { readonly ok: false; readonly error: unknown };

/** A non-blocking operation in progress. */
export class Request<T = unknown> {
  readonly #completion: Promise<Completion<T>>;
  #outcome: Outcome<T> | undefined;

  /**
   * Wraps an operation; it is observed at once, so a failure is never an unhandled rejection.
   * `call`, when given, is the operation's slot in the call tracker, ended with the operation.
   */
  constructor(operation: Promise<Completion<T>>, call?: CallSlot) {
    this.#completion = operation;
    operation.then(
      (completion) => {
        if (call !== undefined) endCall(call);
        this.#outcome = { ok: true, completion };
      },
      (error: unknown) => {
        if (call !== undefined) endCall(call);
        this.#outcome = { ok: false, error };
      },
    );
  }

  /** Resolves with the operation's value (undefined for a send); fills `status` for a receive. */
  async wait(status?: Status): Promise<T> {
    const completion = await this.#completion;
    if (status !== undefined && completion.status !== undefined) status.assign(completion.status);
    return completion.value;
  }

  /**
   * Whether the operation has completed, and its value if so. Throws the operation's error if it
   * failed. Completion is observed between turns of the event loop, so a loop that calls test()
   * must await something in between (as MPI programs call MPI_Test between other work).
   */
  test(status?: Status): [done: boolean, value: T | undefined] {
    const outcome = this.#outcome;
    if (outcome === undefined) return [false, undefined];
    if (!outcome.ok) throw outcome.error;
    if (status !== undefined && outcome.completion.status !== undefined) status.assign(outcome.completion.status);
    return [true, outcome.completion.value];
  }
}

/** Waits for every request; resolves with their values in order (rejects on the first failure). */
export function waitAll<T>(requests: readonly Request<T>[]): Promise<T[]> {
  return Promise.all(requests.map((request) => request.wait()));
}

/** Waits for the first request to complete; resolves with its index and value. */
export function waitAny<T>(requests: readonly Request<T>[]): Promise<[index: number, value: T]> {
  if (requests.length === 0) return Promise.reject(new TsmpiError('ERR_ARG', 'waitAny() needs at least one request'));
  return Promise.race(requests.map((request, index) => request.wait().then((value): [number, T] => [index, value])));
}

/** Whether every request has completed, and their values if so. */
export function testAll<T>(requests: readonly Request<T>[]): [done: boolean, values: T[] | undefined] {
  const values: T[] = [];
  for (const request of requests) {
    const [done, value] = request.test();
    if (!done) return [false, undefined];
    values.push(value as T);
  }
  return [true, values];
}
