/**
 * Paths of tsmpi's own programs and modules (the rank preload, the node agent, the pool worker,
 * the task farm). Built, they are .js files, each module of dist/ also bundled with what it
 * imports into dist/bundle/ (scripts/bundle-dist.ts), which is what the package's exports and bin
 * name; when the launcher itself runs from its TypeScript sources (tests, development with tsx)
 * only the .ts files exist, and they run under tsx.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The modules of dist/ that a process starts with, or that a program imports by the package's
 * name, with the name of their file in dist/bundle/. Within a bundle every module is loaded once
 * for all of them (shared chunks), so a rank's preload, its `import 'tsmpi'` and its
 * `import 'tsmpi/launcher'` see the same classes and state.
 */
export const BUNDLE_ENTRIES: Readonly<Record<string, string>> = {
  'src/index.js': 'tsmpi.js',
  'launcher/index.js': 'launcher.js',
  'launcher/bin/tsmpiexec.js': 'tsmpiexec.js',
  'launcher/agent/node-agent.js': 'node-agent.js',
  'launcher/typescript/register-typescript.js': 'register-typescript.js',
  'src/runtime/rank-preload.js': 'rank-preload.js',
  'src/programs/pool-worker.js': 'pool-worker.js',
  'src/programs/task-farm.js': 'task-farm.js',
};

// Defined as true by scripts/bundle-dist.ts in the bundle's code; undeclared anywhere else.
declare const TSMPI_IN_BUNDLE: boolean | undefined;
const inBundle = typeof TSMPI_IN_BUNDLE !== 'undefined' && TSMPI_IN_BUNDLE;

/**
 * The file for `url` (a .js URL relative to the calling module): from the bundle, the bundle's
 * file for a module of {@link BUNDLE_ENTRIES}, so that a process started from the bundle runs the
 * bundle too; else the .js, or else the .ts.
 */
export function ownModulePath(url: URL): string {
  const path = fileURLToPath(url);
  if (inBundle) {
    for (const [inDist, bundled] of Object.entries(BUNDLE_ENTRIES)) {
      const suffix = `/dist/${inDist}`;
      if (path.endsWith(suffix)) return `${path.slice(0, -inDist.length)}bundle/${bundled}`;
    }
  }
  if (existsSync(path) || !path.endsWith('.js')) return path;
  return `${path.slice(0, -'.js'.length)}.ts`;
}
