/**
 * The messages of a pool, on the pool's own communicator: the root sends chunks of work, workers
 * answer with results or the error that stopped a chunk, and the root finally tells workers to
 * stop. Functions never travel: a task names a function every rank registered.
 */

/** Tags of the pool's messages. */
export const POOL_TAGS = { task: 1, result: 2, stop: 3 } as const;

/** A chunk of work: call `fn` on each item (or spread each item as arguments). */
export interface TaskMessage {
  readonly id: number;
  readonly fn: string;
  /** 'call': fn(item); 'spread': fn(...item), for starmap and submit. */
  readonly mode: 'call' | 'spread';
  readonly items: readonly unknown[];
}

/** What a worker reports about a chunk. */
export type ResultMessage =
  | { readonly id: number; readonly ok: true; readonly results: readonly unknown[] }
  | {
      readonly id: number;
      readonly ok: false;
      /** Index in the chunk of the item whose task failed. */
      readonly index: number;
      readonly error: { readonly name: string; readonly message: string; readonly stack: string };
      readonly host: string;
    };
