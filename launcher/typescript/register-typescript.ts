/**
 * `node --import` entry for ranks that run a TypeScript program: installs the hooks of
 * typescript-hooks.ts and turns on source maps, so that stack traces name `.ts` lines.
 */
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register(new URL('./typescript-hooks.js', import.meta.url));
