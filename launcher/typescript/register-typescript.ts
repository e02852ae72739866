/**
 * `node --import` entry for ranks that run a TypeScript program: installs the hooks of
 * typescript-hooks.ts and turns on source maps, so that stack traces name `.ts` lines.
 */
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
// Hooks registered with register() run on a separate thread, and every later import (resolve and
// load) waits for a round trip to it: loaded through the hooks, tsmpi's own ~60 modules, zeromq and
// msgpackr took ~4 x longer than their ~45 ms without them (a third of a rank's start-up). Loading
// the runtime first keeps it on the fast path; the program's `import 'tsmpi'` then finds it cached.
// The runtime has no import-time side effects, so a program that uses another copy of tsmpi only
// pays the load.
await import('../../src/index.js');
register(new URL('./typescript-hooks.js', import.meta.url));
