/**
 * The functions a pool can run, by name. Every rank runs the same program and registers the same
 * functions, so a task only needs to name one; nothing executable is ever sent.
 */
import { TsmpiError } from '../errors.js';

/** A function a pool task can call. */
export type TaskFunction = (...args: never[]) => unknown;

/** The functions among a module's exports, by export name: what a pool serving that module runs. */
export function exportedFunctions(module: Readonly<Record<string, unknown>>): Record<string, TaskFunction> {
  return Object.fromEntries(Object.entries(module).filter(([, value]) => typeof value === 'function')) as Record<string, TaskFunction>;
}

/** Names and functions, both ways. */
export class TaskRegistry {
  readonly #byName: ReadonlyMap<string, TaskFunction>;
  readonly #names: ReadonlyMap<TaskFunction, string>;

  /** @param functions - the functions tasks may call, by name */
  constructor(functions: Readonly<Record<string, TaskFunction>>) {
    const entries = Object.entries(functions);
    for (const [name, fn] of entries) {
      if (typeof fn !== 'function') throw new TsmpiError('ERR_ARG', `pool function ${JSON.stringify(name)} is not a function`);
    }
    this.#byName = new Map(entries);
    this.#names = new Map(entries.map(([name, fn]) => [fn, name]));
  }

  /**
   * The name under which `fn` (a registered function or its name) is known.
   * @throws TsmpiError ERR_ARG for a function or name that was not registered
   */
  nameOf(fn: TaskFunction | string): string {
    const name = typeof fn === 'string' ? (this.#byName.has(fn) ? fn : undefined) : this.#names.get(fn);
    if (name === undefined) {
      const what = typeof fn === 'string' ? JSON.stringify(fn) : `the function ${fn.name || '(anonymous)'}`;
      throw new TsmpiError(
        'ERR_ARG',
        `${what} is not registered with the pool; functions are never sent, so every rank must pass it in openPool({ functions: { ... } })`,
      );
    }
    return name;
  }

  /** The function registered as `name`, or undefined. */
  get(name: string): TaskFunction | undefined {
    return this.#byName.get(name);
  }
}
