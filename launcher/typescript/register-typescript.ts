/**
 * `node --import` entry for ranks that run a TypeScript program: installs the hooks of
 * typescript-hooks.ts and turns on source maps, so that stack traces name `.ts` lines.
 */
import * as nodeModule from 'node:module';
import { JOB_ENV } from '../../src/runtime/job-environment.js';
import type { loadSync, resolveSync } from './typescript-hooks.js';

process.setSourceMapsEnabled(true);
// Where Node has in-thread hooks (module.registerHooks, 22.15 and later), they are used: hooks
// registered with register() run in a second JavaScript environment on a thread of their own,
// which took 70-75 ms to start in each rank even with hooks that do nothing (Node 20 and 22 on the
// 2-core machine), against 3 ms in-thread (docs/performance.md). Besides, with register() every
// later import (resolve and load) waits for a round trip to that thread: loaded through the hooks, tsmpi's own ~60 modules, zeromq and
// msgpackr took ~4 x longer than their ~45 ms without them (a third of a rank's start-up). So the
// runtime is loaded first, and the program's `import 'tsmpi'` then finds it cached. The transport
// (zeromq) is imported by init() only when the job has more than one rank, so it is loaded here
// only then. Importing only evaluates the modules: tsmpi registers msgpackr extensions for its own
// classes (which leave a user's msgpackr encoding as before) and zeromq loads its native addon;
// nothing binds, connects or reads the job's environment until the program calls init().
const runtime: Promise<unknown>[] = [import('../../src/index.js')];
if (Number(process.env[JOB_ENV.size]) > 1) {
  runtime.push(import('../../src/transport/zmq-transport.js'), import('../../src/transport/zap-responder.js'));
}
await Promise.all(runtime);

/** `module.registerHooks` (Node 22.15 and later), which Node 20's types do not declare. */
type RegisterHooks = (hooks: { resolve: typeof resolveSync; load: typeof loadSync }) => unknown;
const registerHooks = (nodeModule as unknown as { registerHooks?: RegisterHooks }).registerHooks;
if (registerHooks !== undefined && process.env.TSMPI_TS_HOOKS !== 'thread') {
  const { resolveSync, loadSync } = await import('./typescript-hooks.js');
  registerHooks({ resolve: resolveSync, load: loadSync });
} else {
  nodeModule.register(new URL('./typescript-hooks.js', import.meta.url));
}
