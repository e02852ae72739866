/**
 * The root's side of a pool: the calls users know from multiprocessing.Pool and
 * concurrent.futures (map, imap, imapUnordered, starmap, submit), scheduled with dynamic load
 * balancing: the work is cut into chunks, each worker holds up to `inflight` of them, and a worker
 * that returns a result gets the next chunk at once, so uneven tasks do not leave ranks idle.
 */
import type { Comm } from '../comm/communicator.js';
import { Status } from '../comm/status.js';
import { ANY_SOURCE } from '../matching/matching-engine.js';
import { TsmpiError } from '../errors.js';
import { POOL_TAGS, type ResultMessage, type TaskMessage } from './pool-messages.js';
import { RemoteTaskError } from './remote-task-error.js';
import type { TaskFunction, TaskRegistry } from './task-registry.js';
import { ProgressTracker, type ProgressOption } from './progress.js';

/** Options of a map-like call. */
export interface MapOptions {
  /** Items per task message (default: about four chunks per worker for map, 1 for imap). */
  readonly chunksize?: number;
  /**
   * Show a progress bar in tsmpiexec's terminal (true), or instead call a function with the
   * progress (done, total, rate, ETA) as results come back.
   */
  readonly progress?: ProgressOption;
}

interface PendingChunk {
  readonly task: TaskMessage;
  /** Names the task of item `index` of the chunk, for errors ("task square(items[12])"). */
  readonly describe: (index: number) => string;
  /** Where the pool call was made, for the caller's part of a task error's stack. */
  readonly caller: Error;
  readonly resolve: (results: readonly unknown[]) => void;
  readonly reject: (error: Error) => void;
}

/** A pool as its root sees it. Obtain one from openPool(). */
export class Pool {
  /** Number of ranks that run tasks. */
  readonly workers: number;
  readonly #comm: Comm;
  readonly #registry: TaskRegistry;
  readonly #inflightLimit: number;
  readonly #workerRanks: number[];
  readonly #load = new Map<number, number>();
  readonly #queue: PendingChunk[] = [];
  readonly #running = new Map<number, PendingChunk & { readonly worker: number }>();
  readonly #afterClose: (() => Promise<void>) | undefined;
  #nextId = 0;
  #receiving = false;
  #closing: Promise<void> | undefined;
  #closed = false;

  /** @internal Made by openPool() on the root. */
  constructor(comm: Comm, registry: TaskRegistry, inflight: number, afterClose?: () => Promise<void>) {
    this.#comm = comm;
    this.#afterClose = afterClose;
    this.#registry = registry;
    this.#inflightLimit = inflight;
    this.#workerRanks = Array.from({ length: comm.size }, (_, rank) => rank).filter((rank) => rank !== comm.rank);
    for (const rank of this.#workerRanks) this.#load.set(rank, 0);
    this.workers = this.#workerRanks.length;
    if (this.workers === 0) throw new TsmpiError('ERR_ARG', 'a pool needs at least one worker besides its root: run with -np 2 or more');
  }

  /** Calls `fn` on every item; resolves with the results in input order. */
  async map<T, R>(fn: ((item: T) => R | Promise<R>) | string, items: Iterable<T>, options: MapOptions = {}): Promise<Awaited<R>[]> {
    return this.#mapAll('map', this.#nameOf(fn), 'call', [...items], options) as Promise<Awaited<R>[]>;
  }

  /** Calls `fn(...args)` for every tuple of arguments; resolves with the results in input order. */
  async starmap<A extends unknown[], R>(fn: ((...args: A) => R | Promise<R>) | string, argumentLists: Iterable<A>, options: MapOptions = {}): Promise<Awaited<R>[]> {
    return this.#mapAll('starmap', this.#nameOf(fn), 'spread', [...argumentLists], options) as Promise<Awaited<R>[]>;
  }

  /** Runs `fn(...args)` on some worker; resolves with its result. */
  async submit<A extends unknown[], R>(fn: ((...args: A) => R | Promise<R>) | string, ...args: A): Promise<Awaited<R>> {
    const [result] = await this.#run(this.#nameOf(fn), 'spread', [args], 0, captureCaller());
    return result as Awaited<R>;
  }

  /**
   * Streams `fn(item)` for the items of a (possibly async, possibly endless) iterable, in input
   * order. Only a window of chunks is in flight: neither all inputs nor all results are held.
   */
  imap<T, R>(fn: ((item: T) => R | Promise<R>) | string, items: Iterable<T> | AsyncIterable<T>, options: MapOptions = {}): AsyncGenerator<Awaited<R>> {
    const name = this.#nameOf(fn);
    return this.#stream(name, items, checkChunksize(options.chunksize ?? 1), true, this.#tracker(`imap ${name}`, lengthOf(items), options)) as AsyncGenerator<Awaited<R>>;
  }

  /** Like {@link imap}, but yields each result as soon as it is ready, whatever its position. */
  imapUnordered<T, R>(fn: ((item: T) => R | Promise<R>) | string, items: Iterable<T> | AsyncIterable<T>, options: MapOptions = {}): AsyncGenerator<Awaited<R>> {
    const name = this.#nameOf(fn);
    return this.#stream(name, items, checkChunksize(options.chunksize ?? 1), false, this.#tracker(`imapUnordered ${name}`, lengthOf(items), options)) as AsyncGenerator<Awaited<R>>;
  }

  /**
   * Tells every worker to stop (their openPool() resolves); later calls fail. For a pool made by
   * createPool(), also waits until the worker processes have exited.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      await Promise.all(this.#workerRanks.map((rank) => this.#comm.send(null, rank, POOL_TAGS.stop)));
      await this.#afterClose?.();
    })();
    return this.#closing;
  }

  /** `await using pool = ...` closes the pool at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #nameOf(fn: TaskFunction | string): string {
    if (this.#closed) throw new TsmpiError('ERR_ARG', 'the pool was closed');
    return this.#registry.nameOf(fn);
  }

  /** map and starmap: every item at once, in chunks; results in input order. */
  async #mapAll(call: string, name: string, mode: 'call' | 'spread', all: readonly unknown[], options: MapOptions): Promise<unknown[]> {
    const chunksize = checkChunksize(options.chunksize ?? Math.max(1, Math.ceil(all.length / (this.workers * 4))));
    const progress = this.#tracker(`${call} ${name}`, all.length, options);
    const caller = captureCaller();
    const chunks = await Promise.all(chunksOf(all, chunksize).map((chunk, i) => this.#run(name, mode, chunk, i * chunksize, caller, progress)));
    return chunks.flat();
  }

  #tracker(label: string, total: number | null, options: MapOptions): ProgressTracker | undefined {
    const option = options.progress ?? false;
    return option === false ? undefined : new ProgressTracker(label, total, option, this.#comm.rank);
  }

  async *#stream(
    name: string,
    items: Iterable<unknown> | AsyncIterable<unknown>,
    chunksize: number,
    ordered: boolean,
    progress: ProgressTracker | undefined,
  ): AsyncGenerator<unknown> {
    const window = this.workers * this.#inflightLimit * 2;
    const source = chunkStream(items, chunksize);
    const caller = captureCaller();
    const inFlight: { readonly promise: Promise<readonly unknown[]>; settled: boolean; results?: readonly unknown[] }[] = [];
    let offset = 0;
    let exhausted = false;
    const refill = async (): Promise<void> => {
      while (!exhausted && inFlight.length < window) {
        const next = await source.next();
        if (next.done === true) {
          exhausted = true;
          return;
        }
        const entry: (typeof inFlight)[number] = { promise: this.#run(name, 'call', next.value, offset, caller, progress), settled: false };
        offset += next.value.length;
        void entry.promise.then(
          (results) => {
            entry.settled = true;
            entry.results = results;
          },
          () => (entry.settled = true),
        );
        inFlight.push(entry);
      }
    };
    try {
      await refill();
      while (inFlight.length > 0) {
        let index = 0;
        if (!ordered) {
          // Wait for whichever chunk finishes first.
          await Promise.race(inFlight.map((entry) => entry.promise.then(() => undefined, () => undefined)));
          index = Math.max(0, inFlight.findIndex((entry) => entry.settled));
        }
        const [entry] = inFlight.splice(index, 1);
        const results = await (entry as (typeof inFlight)[number]).promise;
        await refill();
        yield* results;
      }
    } finally {
      // A consumer that stops early (break, an error) closes the input too, so its finally blocks run.
      await source.return(undefined);
      for (const entry of inFlight) void entry.promise.catch(() => {});
    }
  }

  /** Queues one chunk; resolves with its results in order, or rejects with the task's error. */
  #run(
    name: string,
    mode: 'call' | 'spread',
    items: readonly unknown[],
    firstIndex: number,
    caller: Error,
    progress?: ProgressTracker,
  ): Promise<readonly unknown[]> {
    return new Promise((resolve, reject) => {
      const task: TaskMessage = { id: this.#nextId++, fn: name, mode, items };
      const describe = (index: number): string => `task ${name}(items[${firstIndex + index}])`;
      const done = (results: readonly unknown[]): void => {
        progress?.add(results.length);
        resolve(results);
      };
      this.#queue.push({ task, describe, caller, resolve: done, reject });
      this.#dispatch();
      this.#receiveResults();
    });
  }

  /** Sends queued chunks to the least loaded workers while any has room. */
  #dispatch(): void {
    while (this.#queue.length > 0) {
      let worker: number | undefined;
      let lowest = this.#inflightLimit;
      for (const rank of this.#workerRanks) {
        const load = this.#load.get(rank) as number;
        if (load < lowest) {
          lowest = load;
          worker = rank;
        }
      }
      if (worker === undefined) return;
      const chunk = this.#queue.shift() as PendingChunk;
      this.#load.set(worker, lowest + 1);
      this.#running.set(chunk.task.id, { ...chunk, worker });
      void this.#comm.send(chunk.task, worker, POOL_TAGS.task).catch((error: Error) => {
        // The chunk never reached its worker: it no longer runs there.
        if (this.#running.delete(chunk.task.id)) this.#load.set(worker, (this.#load.get(worker) as number) - 1);
        chunk.reject(error);
      });
    }
  }

  /** Takes results while chunks run (and only then, so an idle pool lets the program exit). */
  async #receiveResults(): Promise<void> {
    if (this.#receiving) return;
    this.#receiving = true;
    const status = new Status();
    try {
      while (this.#running.size > 0) {
        const result = await this.#comm.recv<ResultMessage>(ANY_SOURCE, POOL_TAGS.result, status);
        const chunk = this.#running.get(result.id);
        if (chunk === undefined) continue;
        this.#running.delete(result.id);
        this.#load.set(chunk.worker, (this.#load.get(chunk.worker) as number) - 1);
        if (result.ok) {
          chunk.resolve(result.results);
        } else {
          chunk.reject(
            new RemoteTaskError(chunk.describe(result.index), { rank: status.source, size: this.#comm.size, host: result.host }, result.error, callerStack(chunk.caller)),
          );
        }
        this.#dispatch();
      }
    } catch (error) {
      for (const chunk of [...this.#running.values(), ...this.#queue.splice(0)]) chunk.reject(error as Error);
      this.#running.clear();
    } finally {
      this.#receiving = false;
    }
  }
}

/**
 * Where the user's pool call is being made. V8 turns the captured frames into the text of
 * `stack` only when it is read, which {@link callerStack} does for a failed task alone.
 */
function captureCaller(): Error {
  return new Error();
}

/** The stack of the user's pool call captured by {@link captureCaller}, without tsmpi's frames. */
function callerStack(caller: Error): string {
  // Drop the Error line and the frames inside Pool, keeping the user's.
  return (caller.stack ?? '').split('\n').slice(1).filter((line) => !/\bPool\.|captureCaller/.test(line)).join('\n');
}

/** The number of items when the input knows it (an array, a Set...), else null. */
function lengthOf(items: Iterable<unknown> | AsyncIterable<unknown>): number | null {
  if (Array.isArray(items)) return items.length;
  const size = (items as { size?: unknown }).size;
  return typeof size === 'number' ? size : null;
}

function checkChunksize(chunksize: number): number {
  if (!Number.isInteger(chunksize) || chunksize < 1) {
    throw new TsmpiError('ERR_ARG', `chunksize must be a whole number of at least 1 (got ${String(chunksize)})`);
  }
  return chunksize;
}

function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

async function* chunkStream(items: Iterable<unknown> | AsyncIterable<unknown>, size: number): AsyncGenerator<unknown[]> {
  let chunk: unknown[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Yields the values of `promises` in the order they settle; a rejection is thrown when reached. */
export async function* asCompleted<T>(promises: Iterable<Promise<T>>): AsyncGenerator<T> {
  const settled: ({ ok: true; value: T } | { ok: false; error: unknown })[] = [];
  let wake: (() => void) | undefined;
  let remaining = 0;
  for (const promise of promises) {
    remaining++;
    promise.then(
      (value) => {
        settled.push({ ok: true, value });
        wake?.();
      },
      (error: unknown) => {
        settled.push({ ok: false, error });
        wake?.();
      },
    );
  }
  while (remaining > 0) {
    if (settled.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    const next = settled.shift() as (typeof settled)[number];
    remaining--;
    if (!next.ok) throw next.error;
    yield next.value;
  }
}
