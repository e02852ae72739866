/**
 * Bundles the compiled package (dist/, from tsc) into dist/bundle/: one file per entry of
 * BUNDLE_ENTRIES (the package's exports, its bin, and the programs tsmpi starts), with the modules
 * they share in common chunks beside them. Run by `npm run build` after tsc.
 *
 * Why: Node loads each ES module on its own (resolve, read, compile, link), and a rank imported
 * about 60 of tsmpi's; one file per entry cut a rank's start-up by 20-25 ms of CPU and the
 * launcher's by 20 ms (docs/performance.md). Packages (zeromq, msgpackr, yargs, esbuild) stay
 * external: they load from node_modules as before.
 *
 *   node --import tsx scripts/bundle-dist.ts
 */
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { BUNDLE_ENTRIES } from '../launcher/job/own-module.js';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const bundleDir = join(dist, 'bundle');

/**
 * Gives each module its own `import.meta.url` back: bundled, the expression would name the
 * bundle's file, and tsmpi finds its programs, its package.json and its hooks relative to the
 * module that names them. Every file of dist/bundle/ sits in one directory, so the module's dist
 * path relative to that directory is the same from every chunk.
 */
const ownImportMetaUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'js', resolveDir: dirname(args.path) };
      const fromBundle = relative(bundleDir, args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

// A fresh directory: chunk names change with their contents, and old chunks would stay behind.
rmSync(bundleDir, { recursive: true, force: true });
await build({
  entryPoints: Object.fromEntries(Object.entries(BUNDLE_ENTRIES).map(([inDist, bundled]) => [bundled.replace(/\.js$/, ''), join(dist, inDist)])),
  outdir: bundleDir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunk-[hash]',
  // Linked maps, read only where source maps are on (a rank turns them on after tsmpi has loaded).
  sourcemap: 'linked',
  define: { TSMPI_IN_BUNDLE: 'true' },
  plugins: [ownImportMetaUrl],
  logLevel: 'warning',
});
