/**
 * `node --import` entry for ranks that run a TypeScript program: installs the hooks of
 * typescript-hooks.ts and turns on source maps, so that stack traces name `.ts` lines.
 */
import { register } from 'node:module';
import { JOB_ENV } from '../../src/runtime/job-environment.js';

process.setSourceMapsEnabled(true);
// Hooks registered with register() run on a separate thread, and every later import (resolve and
// load) waits for a round trip to it: loaded through the hooks, tsmpi's own ~60 modules, zeromq and
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
register(new URL('./typescript-hooks.js', import.meta.url));
