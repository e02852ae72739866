/**
 * What goes wrong in a pool, and what you get: a function that was not registered is refused at
 * once (ERR_ARG, the counterpart of Python's PicklingError for a lambda), and a task that throws
 * rejects its map with a RemoteTaskError that carries the worker's stack. The pool stays usable.
 *
 *   npx tsmpiexec --oversubscribe -np 3 examples/from-python/errors.ts
 */
import { init, finalize, openPool, isTsmpiError, RemoteTaskError } from 'tsmpi';

function invert(x: number): number {
  if (x === 0) throw new RangeError('cannot invert 0');
  return 1 / x;
}

const comm = await init();
const pool = await openPool(comm, { functions: { invert } });
if (pool !== undefined) {
  try {
    await pool.map((x: number) => x + 1, [1, 2]); // a closure that was never registered
  } catch (error) {
    if (!isTsmpiError(error, 'ERR_ARG')) throw error;
    console.log(`${error.code}: ${error.message}`);
  }

  try {
    await pool.map(invert, [4, 2, 0, 1]);
  } catch (error) {
    if (!(error instanceof RemoteTaskError)) throw error;
    console.log(`${error.code}: ${error.message}`);
    console.log(`remote ${error.remoteName} on rank ${error.rank}, host ${error.host}`);
    console.log(error.stack?.split('\n').slice(1, 4).join('\n')); // the header, then the worker's stack
  }

  console.log(`still usable: ${(await pool.map(invert, [4, 2, 1])).join(' ')}`);
  await pool.close();
}
await finalize();
