/** createPool(): a pool of worker processes started by an ordinary program, no tsmpiexec. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertNoProcessLeft, fixture } from '../helpers/run-tsmpiexec.js';
import { runProgram, startProgram } from '../helpers/run-program.js';

describe('createPool from a plain program', { timeout: 300_000 }, () => {
  it('starts workers (with Node ranks\' malloc tuning) that run the module\'s functions, and closing stops them all', { timeout: 60_000 }, async () => {
    const result = await runProgram(fixture('standalone-pool.ts'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n'), ['workers: 3', 'cubes: 1,8,27,64,125,216', 'places: 1@local 2@local 3@local', 'malloc tuned: true,true,true', 'closed']);
    await assertNoProcessLeft(result.marker);
  });

  it('a worker that dies fails the pending task and is reported, and nothing is left', { timeout: 60_000 }, async () => {
    const result = await runProgram(fixture('standalone-pool.ts'), ['crash']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^task failed: ERR_JOB$/m);
    assert.match(result.stderr, /^tsmpiexec: rank \d on \S+ \(pid \d+\) exited with code 7; aborting the job$/m);
    await assertNoProcessLeft(result.marker);
  });

  it('Ctrl-C ends the program and every worker, without a traceback from each', { timeout: 60_000 }, async () => {
    const run = startProgram(fixture('standalone-pool-long.ts'));
    await run.waitForOutput('mapping');
    run.child.kill('SIGINT');
    const result = await run.done;
    assert.ok(result.signal === 'SIGINT' || result.code === 130, `exit ${result.code} ${result.signal}`);
    assert.doesNotMatch(result.stdout, /FAIL/);
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack traces');
    await assertNoProcessLeft(result.marker, 10_000);
  });

  it('await using closes the pool at the end of the block', { timeout: 60_000 }, async () => {
    const result = await runProgram(fixture('standalone-pool-using.ts'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'sum of cubes: 36\nafter the block\n');
    await assertNoProcessLeft(result.marker);
  });
});
