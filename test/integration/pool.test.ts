/** Pools over the ranks of a job, through the real tsmpiexec. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixture, runTsmpiexec } from '../helpers/run-tsmpiexec.js';

const CHECKS = 12;

describe('pools', { timeout: 300_000 }, () => {
  for (const size of [2, 4]) {
    it(`map, starmap, submit, imap, imapUnordered, asCompleted and task errors work with ${size - 1} worker(s)`, { timeout: 90_000 }, async () => {
      const result = await runTsmpiexec(['--oversubscribe', '-np', String(size), fixture('pool.ts')]);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      assert.equal(lines.length, CHECKS, result.stdout);
      assert.deepEqual(lines.filter((line) => !line.startsWith('ok ')), []);
    });
  }

  it('examples/pool-pi.ts estimates pi with a pool map', { timeout: 90_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '3', 'examples/pool-pi.ts', '400000', '20']);
    assert.equal(result.code, 0, result.stderr);
    const match = /^pi ~ (\d\.\d+) from 400000 samples in 20 tasks on 2 workers in [\d.]+ s$/m.exec(result.stdout);
    assert.ok(match, result.stdout);
    assert.ok(Math.abs(Number(match[1]) - Math.PI) < 0.05);
  });
});
