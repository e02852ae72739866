/**
 * `node --import` entry for the memory benchmark's program without tsmpi (benchmarks/startup.ts):
 * the TypeScript hooks ranks run with, installed the way ranks install them (in-thread with
 * module.registerHooks where Node has it, else on a hooks thread), without register-typescript.js's
 * early load of the tsmpi runtime, so that the only difference between the two programs is tsmpi.
 */
import * as nodeModule from 'node:module';

process.setSourceMapsEnabled(true);
const hooks = new URL('../dist/launcher/typescript/typescript-hooks.js', import.meta.url);
if (nodeModule.registerHooks !== undefined && process.env.TSMPI_TS_HOOKS !== 'thread') {
  const { resolveSync, loadSync } = await import(hooks.href);
  nodeModule.registerHooks({ resolve: resolveSync, load: loadSync });
} else {
  nodeModule.register(hooks);
}
