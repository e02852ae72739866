/**
 * How a program given to tsmpiexec becomes a command line: TypeScript files run under Node with a
 * TypeScript loader (no build step for the user), JavaScript files under Node, anything else as an
 * executable found like a shell would. Node ranks also load the rank guard first.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TsmpiError } from '../../src/errors.js';
import { ownModulePath } from './own-module.js';

/** The command that starts one rank (before per-rank environment). */
export interface RankCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** 'typescript' and 'javascript' programs run under Node with the rank guard preloaded. */
  readonly kind: 'typescript' | 'javascript' | 'executable';
}

const TYPESCRIPT = /\.(ts|mts|cts)$/;
const JAVASCRIPT = /\.(js|mjs|cjs)$/;

const require = createRequire(import.meta.url);

function preloadUrl(): string {
  return pathToFileURL(ownModulePath(new URL('../../src/runtime/rank-preload.js', import.meta.url))).href;
}

/**
 * The URL `node --import` takes to run `program` as TypeScript, with tsmpi built (from its
 * sources, nodeImports loads tsx instead): tsmpi's own light loader (launcher/typescript/), or tsx
 * for `.cts` programs and when TSMPI_TS_LOADER=tsx asks for it (tsconfig paths, decorator metadata).
 */
function typescriptLoaderUrl(program: string): string {
  if (process.env.TSMPI_TS_LOADER === 'tsx' || program.endsWith('.cts')) return tsxLoaderUrl();
  return pathToFileURL(ownModulePath(new URL('../typescript/register-typescript.js', import.meta.url))).href;
}

/** The URL `node --import` takes to load tsx. */
export function tsxLoaderUrl(): string {
  // tsx's package entry registers its ESM and CJS hooks for `node --import`.
  return pathToFileURL(require.resolve('tsx')).href;
}

/**
 * The `node --import` options of a rank that runs `program` (a .ts or .js file): the rank
 * preload, and for TypeScript the loader. createPool() starts its workers with those of the user's
 * module, which they import.
 */
export function nodeImports(program: string): string[] {
  // tsx first when the preload itself is not built; else the preload first, so that its modules
  // load before a TypeScript loader's hooks slow every import down (see register-typescript.ts).
  const preload = preloadUrl();
  if (preload.endsWith('.ts')) return ['--import', tsxLoaderUrl(), '--import', preload];
  return TYPESCRIPT.test(program) ? ['--import', preload, '--import', typescriptLoaderUrl(program)] : ['--import', preload];
}

/** True for a regular file this process may access with `mode` (read or execute). */
function isFileWithAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Resolves `program` (relative paths against `cwd`) and builds its command.
 * @throws TsmpiError ERR_USAGE when the program does not exist or cannot be read or executed
 */
export function rankCommand(program: string, args: readonly string[], cwd: string, path = process.env.PATH ?? ''): RankCommand {
  if (TYPESCRIPT.test(program) || JAVASCRIPT.test(program)) {
    const file = resolve(cwd, program);
    if (!isFileWithAccess(file, constants.R_OK)) {
      throw new TsmpiError('ERR_USAGE', `program ${program} does not exist or cannot be read (looked for ${file})`);
    }
    return {
      command: process.execPath,
      args: [...nodeImports(program), file, ...args],
      kind: TYPESCRIPT.test(program) ? 'typescript' : 'javascript',
    };
  }
  if (program.includes('/')) {
    const file = isAbsolute(program) ? program : resolve(cwd, program);
    if (!isFileWithAccess(file, constants.X_OK)) {
      throw new TsmpiError('ERR_USAGE', `program ${program} does not exist or is not executable (looked for ${file})`);
    }
    return { command: file, args: [...args], kind: 'executable' };
  }
  for (const dir of path.split(delimiter)) {
    if (dir !== '' && isFileWithAccess(join(dir, program), constants.X_OK)) {
      return { command: join(dir, program), args: [...args], kind: 'executable' };
    }
  }
  throw new TsmpiError('ERR_USAGE', `program ${program} was not found in PATH and is not a .ts or .js file`);
}
