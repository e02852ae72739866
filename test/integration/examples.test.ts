/** The programs in examples/ run as the docs say they do. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runTsmpiexec } from '../helpers/run-tsmpiexec.js';

describe('examples', { timeout: 120_000 }, () => {
  it('pingpong.ts reports one-way times for four sizes', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['-np', '2', 'examples/pingpong.ts', '20']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^8 bytes: [\d.]+ us one way \(20 round trips\)$/m);
    assert.match(result.stdout, /^1048576 bytes: [\d.]+ us one way/m);
  });

  it('pingpong.ts refuses to run on other than 2 ranks', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['-np', '1', 'examples/pingpong.ts']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /pingpong needs exactly 2 ranks/);
  });

  it('pi.ts estimates pi from samples reduced to rank 0', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '3', 'examples/pi.ts', '300000']);
    assert.equal(result.code, 0, result.stderr);
    const match = /^pi ~ (\d\.\d+) .* from 300000 samples on 3 ranks in [\d.]+ s$/m.exec(result.stdout);
    assert.ok(match, result.stdout);
    assert.ok(Math.abs(Number(match[1]) - Math.PI) < 0.05, `estimate ${match[1]} is far from pi`);
  });

  it('unbalanced.ts runs three steps of allreduce, profiled', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '3', '--profile', 'examples/unbalanced.ts', '100000']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^total [\d.e+]+ from 3 ranks$/m);
    for (const rank of [0, 1, 2]) assert.match(result.stderr, new RegExp(`^\\s+${rank}\\s+allreduce\\s+3\\s`, 'm'));
  });

  it('scatter-gather.ts splits, works and gathers an array', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '3', 'examples/scatter-gather.ts', '1000']);
    assert.equal(result.code, 0, result.stderr);
    const sums = [...result.stdout.matchAll(/global sum ([\d.]+)/g)].map((m) => m[1]);
    assert.equal(sums.length, 3);
    assert.equal(new Set(sums).size, 1, 'every rank sees the same global sum');
    assert.match(result.stdout, /^rank 0 gathered 1000 results; first 0\.000000, last 0\.70\d+$/m);
  });
});
