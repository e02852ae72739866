/**
 * The rank program of a pool started with createPool(): imports the user's module (TypeScript
 * too) and serves its exported functions until the pool is closed.
 *
 * Arguments: MODULE_URL
 */
import { register } from 'tsx/esm/api';
import { init, finalize, openPool } from '../index.js';
import type { TaskFunction } from '../pool/task-registry.js';

// The module may be TypeScript; tsx lets this plain-JavaScript program import it.
register();
const moduleUrl = process.argv[2] as string;
const module = (await import(moduleUrl)) as Record<string, unknown>;
const functions = Object.fromEntries(Object.entries(module).filter(([, value]) => typeof value === 'function')) as Record<string, TaskFunction>;

const comm = await init();
await openPool(comm, { functions });
await finalize();
