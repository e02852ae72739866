/**
 * A worker's side of a pool: take chunks from the root, run them, send back the results (or the
 * first error, with its stack), until the root says stop.
 */
import { hostname } from 'node:os';
import type { Comm } from '../comm/communicator.js';
import { Status } from '../comm/status.js';
import { POOL_TAGS, type ResultMessage, type TaskMessage } from './pool-messages.js';
import type { TaskRegistry } from './task-registry.js';

/** Serves tasks from `root` until it sends stop. */
export async function serveTasks(comm: Comm, root: number, registry: TaskRegistry): Promise<void> {
  const status = new Status();
  const host = process.env.TSMPI_HOST ?? hostname();
  for (;;) {
    const message = await comm.recv<TaskMessage | null>(root, undefined, status);
    if (status.tag === POOL_TAGS.stop) return;
    const task = message as TaskMessage;
    await comm.send(await runChunk(task, registry, host), root, POOL_TAGS.result);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

async function runChunk(task: TaskMessage, registry: TaskRegistry, host: string): Promise<ResultMessage> {
  const fn = registry.get(task.fn) as ((...args: unknown[]) => unknown) | undefined;
  const results: unknown[] = [];
  for (const [index, item] of task.items.entries()) {
    try {
      if (fn === undefined) throw new Error(`function ${JSON.stringify(task.fn)} is not registered on this rank (every rank must register the same functions)`);
      const value = task.mode === 'spread' ? fn(...(item as unknown[])) : fn(item);
      // Only promises are awaited: a tick per synchronous result adds up over large chunks.
      results.push(isPromiseLike(value) ? await value : value);
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      return { id: task.id, ok: false, index, host, error: { name: error.name, message: error.message, stack: error.stack ?? String(error) } };
    }
  }
  return { id: task.id, ok: true, results };
}
