/**
 * `node --import` entry for ranks that run a TypeScript program: loads the tsmpi runtime, then
 * installs the hooks of typescript-hooks.ts (install-typescript-hooks.ts says how), with source
 * maps on, so that stack traces name `.ts` lines.
 *
 * The runtime is loaded first because with hooks on their own thread (Node before 22.15) every
 * later import waits for a round trip to that thread: loaded through the hooks, tsmpi's own ~60
 * modules, zeromq and msgpackr took ~4 x longer than their ~45 ms without them (a third of a
 * rank's start-up). The program's `import 'tsmpi'` then finds it cached. The transport (zeromq) is
 * imported by init() only when the job has more than one rank, so it is loaded here only then.
 * Importing only evaluates the modules: tsmpi registers msgpackr extensions for its own classes
 * (which leave a user's msgpackr encoding as before) and zeromq loads its native addon; nothing
 * binds, connects or reads the job's environment until the program calls init().
 */
import { JOB_ENV } from '../../src/runtime/job-environment.js';
import { installTypescriptHooks } from './install-typescript-hooks.js';

const runtime: Promise<unknown>[] = [import('../../src/index.js')];
if (Number(process.env[JOB_ENV.size]) > 1) {
  runtime.push(import('../../src/transport/zmq-transport.js'), import('../../src/transport/zap-responder.js'));
}
await Promise.all(runtime);
// After tsmpi has loaded and before the program does: the program's frames name its .ts lines,
// tsmpi's name the .js files the package ships. Turned on first, Node 20 read and parsed a map for
// each of tsmpi's modules, ~20 ms of every rank's start-up, to name .ts files a package does not
// ship.
process.setSourceMapsEnabled(true);
await installTypescriptHooks();
