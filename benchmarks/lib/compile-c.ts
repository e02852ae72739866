/**
 * Compiles the benchmarks' C programs into a `build/` directory beside their sources (gitignored):
 * in the checkout, not a shared directory such as /tmp where another user could plant the
 * binaries that a root CI run would then execute. A binary is rebuilt only when its source is
 * newer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Compiles `source` (a `.c` file) with `compiler` (cc, mpicc) into `build/` beside it.
 * @returns the binary's path, or why it could not be compiled
 */
export function compileC(compiler: string, source: string): { binary: string } | { reason: string } {
  const outDir = join(dirname(source), 'build');
  const binary = join(outDir, basename(source, '.c'));
  mkdirSync(outDir, { recursive: true });
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return { binary };
  const compiled = spawnSync(compiler, ['-O2', '-o', binary, source], { encoding: 'utf8' });
  if (compiled.error !== undefined) return { reason: `${compiler} could not run: ${compiled.error.message}` };
  if (compiled.status !== 0) return { reason: `${compiler} failed on ${source}: ${compiled.stderr.trim()}` };
  return { binary };
}
