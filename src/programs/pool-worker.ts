/**
 * The rank program of a pool started with createPool(): imports the user's module and serves its
 * exported functions until the pool is closed. createPool() starts it with the `node --import`
 * options of a rank that runs the module itself, so a TypeScript module loads as a rank's would.
 *
 * Arguments: MODULE_URL
 */
import { init, finalize, openPool } from '../index.js';
import { exportedFunctions } from '../pool/task-registry.js';

const moduleUrl = process.argv[2] as string;
const functions = exportedFunctions((await import(moduleUrl)) as Record<string, unknown>);

const comm = await init();
await openPool(comm, { functions });
await finalize();
