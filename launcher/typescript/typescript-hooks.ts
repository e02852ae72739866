/**
 * The module hooks that let a rank run a TypeScript program without tsx: `.ts`/`.mts`/`.tsx`
 * files are stripped of their types by esbuild, once per file version (the result is cached on
 * disk, so the ranks of a job and every later job share it), and a relative `./x.js` import finds
 * `./x.ts` as TypeScript's NodeNext convention expects. The cache lives in
 * `$XDG_CACHE_HOME/tsmpi/typescript` (by default `~/.cache/tsmpi/typescript`). A module keeps its own URL, so
 * `import.meta.url` and stack traces (through inline source maps) name the `.ts` file.
 *
 * Installed by register-typescript.ts: on the rank's own thread where Node has
 * `module.registerHooks` (22.15 and later; {@link resolveSync}, {@link loadSync}), else in Node's
 * module-hooks thread ({@link resolve}, {@link load}). Starting a rank this way costs a
 * fraction of tsx's start-up (docs/performance.md); what it does not cover (tsconfig `paths`,
 * decorator metadata, extensionless imports, `require()` of TypeScript) is what
 * `TSMPI_TS_LOADER=tsx` is for (docs/cli.md).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ResolveContext {
  readonly parentURL?: string;
  readonly conditions: readonly string[];
}
interface ResolveResult {
  readonly url: string;
  readonly format?: string | null;
  readonly shortCircuit?: boolean;
}
interface LoadContext {
  readonly format?: string | null;
  readonly conditions: readonly string[];
}
interface LoadResult {
  readonly format: string;
  readonly source?: string | ArrayBuffer | Uint8Array;
  readonly shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<ResolveResult>;
type NextLoad = (url: string, context?: LoadContext) => Promise<LoadResult>;
type NextResolveSync = (specifier: string, context?: ResolveContext) => ResolveResult;
type NextLoadSync = (url: string, context?: LoadContext) => LoadResult;

const TYPESCRIPT_URL = /\.(ts|mts|tsx)$/;
const RELATIVE_JS = /^\.{1,2}\/.*\.(js|mjs|jsx)$/;
const TS_EXTENSION_OF: Readonly<Record<string, string>> = { js: 'ts', mjs: 'mts', jsx: 'tsx' };
// Part of every cache key: a different esbuild or different options must not reuse old output.
const TRANSFORM_VERSION = 'tsmpi-ts-1';
// The user's cache directory (XDG): kept across jobs, and shared by the nodes of a cluster whose
// home directories are shared, so a program is compiled once for all of them.
const CACHE_DIR = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tsmpi', 'typescript');

let esbuildVersion: string | undefined;
const requireHere = createRequire(import.meta.url);

// Loading esbuild itself costs more than a cached file: the cache key only reads its version.
function installedEsbuildVersion(): string {
  if (esbuildVersion === undefined) {
    const main = requireHere.resolve('esbuild');
    esbuildVersion = (JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version: string }).version;
  }
  return esbuildVersion;
}

/** Node's resolve hook: `./x.js` that does not exist but `./x.ts` does resolves to the latter. */
export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<ResolveResult> {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const typescript = typescriptSpecifierFor(specifier, error);
    try {
      return await nextResolve(typescript, context);
    } catch {
      // Report the import as written, not our guess.
      throw error;
    }
  }
}

/** {@link resolve} for in-thread hooks (`module.registerHooks`, Node 22.15 and later). */
export function resolveSync(specifier: string, context: ResolveContext, nextResolve: NextResolveSync): ResolveResult {
  try {
    return nextResolve(specifier, context);
  } catch (error) {
    const typescript = typescriptSpecifierFor(specifier, error);
    try {
      return nextResolve(typescript, context);
    } catch {
      throw error;
    }
  }
}

/** Node's load hook: TypeScript files become JavaScript modules. */
export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<LoadResult> {
  if (!url.startsWith('file:') || !TYPESCRIPT_URL.test(url)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = readFileSync(path, 'utf8');
  const cached = cacheFileFor(path, source);
  const code = readCached(cached) ?? keep(cached, (await import('esbuild')).transform(source, transformOptions(path)));
  return { format: 'module', source: await code, shortCircuit: true };
}

/** {@link load} for in-thread hooks (`module.registerHooks`, Node 22.15 and later). */
export function loadSync(url: string, context: LoadContext, nextLoad: NextLoadSync): LoadResult {
  if (!url.startsWith('file:') || !TYPESCRIPT_URL.test(url)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = readFileSync(path, 'utf8');
  const cached = cacheFileFor(path, source);
  const esbuild = requireHere('esbuild') as typeof import('esbuild');
  const code = readCached(cached) ?? keepSync(cached, esbuild.transformSync(source, transformOptions(path)).code);
  return { format: 'module', source: code, shortCircuit: true };
}

/** The TypeScript file a relative `./x.js` import that was not found may mean; rethrows `error` when none. */
function typescriptSpecifierFor(specifier: string, error: unknown): string {
  const match = RELATIVE_JS.exec(specifier);
  if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || match === null) throw error;
  const extension = match[1] as string;
  return `${specifier.slice(0, -extension.length)}${TS_EXTENSION_OF[extension] as string}`;
}

function transformOptions(path: string): import('esbuild').TransformOptions {
  return {
    loader: path.endsWith('.tsx') ? 'tsx' : 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    sourcemap: 'inline',
    sourcefile: path,
  };
}

/** Where the compiled form of this version of the file is cached. */
function cacheFileFor(path: string, source: string): string {
  const key = createHash('sha256').update(TRANSFORM_VERSION).update(installedEsbuildVersion()).update(path).update('\0').update(source).digest('hex');
  return join(CACHE_DIR, `${key}.js`);
}

function readCached(cached: string): string | undefined {
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // Not compiled yet.
    return undefined;
  }
}

async function keep(cached: string, transforming: Promise<{ code: string }>): Promise<string> {
  return keepSync(cached, (await transforming).code);
}

function keepSync(cached: string, code: string): string {
  try {
    mkdirSync(CACHE_DIR, { recursive: true, mode: 0o700 });
    // Ranks of one job compile the same file at once: write aside, then rename into place.
    const partial = `${cached}.${process.pid}.partial`;
    writeFileSync(partial, code, { mode: 0o600 });
    renameSync(partial, cached);
  } catch {
    // A cache that cannot be written only costs the next start a compile.
  }
  return code;
}
