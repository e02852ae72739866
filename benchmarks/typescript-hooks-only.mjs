/**
 * `node --import` entry for the memory benchmark's program without tsmpi (benchmarks/startup.ts):
 * the TypeScript hooks ranks run with, without register-typescript.js's early load of the tsmpi
 * runtime, so that the only difference between the two programs is tsmpi.
 */
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register(new URL('../dist/launcher/typescript/typescript-hooks.js', import.meta.url));
