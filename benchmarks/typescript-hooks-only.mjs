/**
 * `node --import` entry for the memory benchmark's program without tsmpi (benchmarks/startup.ts):
 * the TypeScript hooks installed as ranks install them, without register-typescript.js's early
 * load of the tsmpi runtime, so that the only difference between the two programs is tsmpi.
 */
import { installTypescriptHooks } from '../dist/launcher/typescript/install-typescript-hooks.js';

process.setSourceMapsEnabled(true);
await installTypescriptHooks();
