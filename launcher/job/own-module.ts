/**
 * Paths of tsmpi's own programs and modules (the rank preload, the node agent, the pool worker,
 * the task farm). Built, they are .js files; when the launcher itself runs from its TypeScript
 * sources (tests, development with tsx) only the .ts files exist, and they run under tsx.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The file for `url` (a .js URL relative to the calling module): the .js, or else the .ts. */
export function ownModulePath(url: URL): string {
  const path = fileURLToPath(url);
  if (existsSync(path) || !path.endsWith('.js')) return path;
  return `${path.slice(0, -'.js'.length)}.ts`;
}
