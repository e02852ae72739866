/**
 * The TypeScript module hooks' in-thread forms (resolveSync, loadSync: what Node 22.15+ runs
 * through module.registerHooks), called directly so that they are checked on any Node.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';

describe('TypeScript hooks, in-thread forms', { timeout: 30_000 }, () => {
  it('loadSync compiles a .ts file into the cache, then reads it from there; other files go to the next hook', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-hooks-'));
    const previousCache = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = join(dir, 'cache');
    try {
      // The cache directory is read when the module loads: import it after setting it.
      const { loadSync } = await import(`../../launcher/typescript/typescript-hooks.js?cache=${Date.now()}`);
      const file = join(dir, 'typed.ts');
      writeFileSync(file, 'const n: number = 41;\nexport const answer = n + 1;\n');
      const next = (): never => assert.fail('a .ts file must not reach the next hook');
      const first = loadSync(pathToFileURL(file).href, { conditions: [] }, next);
      assert.equal(first.format, 'module');
      assert.match(String(first.source), /export\s*{|export const answer/);
      assert.doesNotMatch(String(first.source), /: number/);
      assert.equal(readdirSync(join(dir, 'cache', 'tsmpi', 'typescript')).length, 1);
      const second = loadSync(pathToFileURL(file).href, { conditions: [] }, next);
      assert.equal(second.source, first.source);
      const passed = loadSync('file:///x/y.js', { conditions: [] }, () => ({ format: 'commonjs', source: 'ok' }));
      assert.deepEqual(passed, { format: 'commonjs', source: 'ok' });
    } finally {
      if (previousCache === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = previousCache;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('resolveSync finds ./x.ts for a missing ./x.js and reports the import as written when neither exists', async () => {
    const { resolveSync } = await import('../../launcher/typescript/typescript-hooks.js');
    const notFound = (specifier: string): Error => Object.assign(new Error(`not found: ${specifier}`), { code: 'ERR_MODULE_NOT_FOUND' });
    const tried: string[] = [];
    const found = resolveSync('./lib.js', { conditions: [] }, (specifier: string) => {
      tried.push(specifier);
      if (specifier === './lib.ts') return { url: 'file:///p/lib.ts' };
      throw notFound(specifier);
    });
    assert.deepEqual(found, { url: 'file:///p/lib.ts' });
    assert.deepEqual(tried, ['./lib.js', './lib.ts']);
    assert.throws(() => resolveSync('./gone.js', { conditions: [] }, (specifier: string) => { throw notFound(specifier); }), /not found: \.\/gone\.js/);
    assert.throws(() => resolveSync('some-package', { conditions: [] }, (specifier: string) => { throw notFound(specifier); }), /not found: some-package/);
  });
});
