/**
 * The rank's TypeScript loader hooks on their own: which imports find a `.ts` file, what loading
 * one returns, and that other modules pass through untouched.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { load, resolve } from '../../launcher/typescript/typescript-hooks.js';

const notFound = (specifier: string): Error => Object.assign(new Error(`Cannot find module ${specifier}`), { code: 'ERR_MODULE_NOT_FOUND' });

describe('TypeScript loader hooks', { timeout: 10_000 }, () => {
  it('resolves ./x.js to ./x.ts (and .mjs to .mts) only when the JavaScript file does not exist', async () => {
    const existing = new Set(['./a.ts', './b.js', '../c.mts']);
    const next = async (specifier: string): Promise<{ url: string }> => {
      if (!existing.has(specifier)) throw notFound(specifier);
      return { url: `file:///x/${specifier}` };
    };
    const context = { conditions: [] };
    assert.equal((await resolve('./a.js', context, next)).url, 'file:///x/./a.ts');
    assert.equal((await resolve('./b.js', context, next)).url, 'file:///x/./b.js');
    assert.equal((await resolve('../c.mjs', context, next)).url, 'file:///x/../c.mts');
    // Bare specifiers and missing files keep the error of the import as written.
    await assert.rejects(resolve('pkg/a.js', context, next), /Cannot find module pkg\/a\.js/);
    await assert.rejects(resolve('./missing.js', context, next), /Cannot find module \.\/missing\.js$/);
  });

  it('turns a .ts file into an ES module with an inline source map, and leaves other files to Node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-hooks-test-'));
    try {
      const file = join(dir, 'typed.ts');
      writeFileSync(file, 'enum E { A = 1 }\nexport const value: number = E.A + 1;\n');
      const passed: string[] = [];
      const next = async (url: string): Promise<{ format: string }> => {
        passed.push(url);
        return { format: 'builtin' };
      };
      const loaded = await load(pathToFileURL(file).href, { conditions: [] }, next);
      assert.equal(loaded.format, 'module');
      const compiled = (await import(`data:text/javascript,${encodeURIComponent(String(loaded.source))}`)) as { value: number };
      assert.equal(compiled.value, 2);
      assert.match(String(loaded.source), /sourceMappingURL=data:application\/json/);
      assert.deepEqual(passed, []);
      await load('node:fs', { conditions: [] }, next);
      await load(pathToFileURL(join(dir, 'plain.js')).href, { conditions: [] }, next);
      assert.deepEqual(passed, ['node:fs', pathToFileURL(join(dir, 'plain.js')).href]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
