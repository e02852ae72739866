/**
 * What mpirun users rely on when things go wrong: one failing rank stops the job with a clear
 * message and its exit code; signals to tsmpiexec stop every rank; nothing survives the job.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { assertNoProcessLeft, fixture, processesWithMarker, runTsmpiexec, startTsmpiexec } from '../helpers/run-tsmpiexec.js';

const job = (size: number, ...args: string[]): string[] => ['--oversubscribe', '-np', String(size), fixture('fail.ts'), ...args];
const HEADLINE = (rank: number, cause: string): RegExp => new RegExp(`^tsmpiexec: rank ${rank} on \\S+ \\(pid \\d+\\) ${cause}`, 'm');

describe('failure semantics', { timeout: 300_000 }, () => {
  it('a rank exiting with code 3 aborts the job with exit code 3', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(job(4, 'exit', '2', '3'));
    assert.equal(result.code, 3);
    assert.match(result.stderr, HEADLINE(2, 'exited with code 3; aborting the job'));
  });

  it('an uncaught exception is reported with rank, host, message and stack; exit code 1', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(job(2, 'throw', '1'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, HEADLINE(1, 'failed with an uncaught exception: TypeError: rank 1 threw on purpose; aborting the job'));
    assert.match(result.stderr, /^ {4}at .*fail\.ts:\d+:\d+/m);
    assert.equal(result.stderr.match(/threw on purpose/g)?.length, 1, 'the error is printed once');
  });

  it('an unhandled rejection is reported the same way', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(job(2, 'reject', '1'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, HEADLINE(1, 'failed with an unhandled rejection: RangeError: rank 1 rejected on purpose'));
  });

  it('an exception before init() is reported too', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(job(2, 'throw-before-init', '0'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, HEADLINE(0, 'failed with an (uncaught exception|unhandled rejection): Error: rank 0 failed before init'));
  });

  it('a rank killed by a signal gives 128 + the signal number', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(job(3, 'signal', '1', 'SIGKILL'));
    assert.equal(result.code, 137);
    assert.match(result.stderr, HEADLINE(1, 'was killed by signal SIGKILL; aborting the job'));
  });

  it('when several ranks fail at once, the lowest failing rank gives the exit code', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(job(4, 'exit', '3,1', '7'));
    assert.equal(result.code, 7);
    assert.match(result.stderr, /rank [13] on \S+ \(pid \d+\) exited with code 7/);
  });

  it('stops a job that outlives --timeout with exit code 124 and a message', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['--timeout', '2', ...job(2, 'hang', '1')]);
    assert.equal(result.code, 124);
    assert.match(result.stderr, /^tsmpiexec: the job reached its time limit of 2 s \(--timeout or MPIEXEC_TIMEOUT\); aborting the job$/m);
  });

  it('MPIEXEC_TIMEOUT works like --timeout', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(job(2, 'hang', '1'), { env: { MPIEXEC_TIMEOUT: '2' } });
    assert.equal(result.code, 124);
  });

  it('a rank that exits without init() while others wait in init() aborts the job', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(job(3, 'no-init', '2'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^tsmpiexec: rank 2 on \S+ exited without calling init\(\) while ranks? [\d, ]+ waited for it in init\(\); aborting the job$/m);
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} to tsmpiexec stops every rank and exits ${code}`, { timeout: 60_000 }, async () => {
      const run = startTsmpiexec(job(4, 'hang', '0'));
      await run.waitForOutput('rank 3 ready');
      await run.waitForOutput('rank 0 ready');
      run.child.kill(signal);
      const result = await run.done;
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, new RegExp(`received ${signal}; stopping 4 ranks`));
      await assertNoProcessLeft(run.marker);
    });
  }

  it('a second Ctrl-C kills ranks that ignore SIGTERM at once', { timeout: 60_000 }, async () => {
    // Ranks that trap SIGTERM would otherwise live for the whole grace period.
    const run = startTsmpiexec(['-np', '2', 'sh', '-c', 'trap "" TERM; echo "ready $TSMPI_RANK"; while :; do sleep 1; done']);
    await run.waitForOutput('ready 0');
    await run.waitForOutput('ready 1');
    const started = Date.now();
    run.child.kill('SIGINT');
    await run.waitForOutput('received SIGINT');
    run.child.kill('SIGINT');
    const result = await run.done;
    assert.equal(result.code, 130);
    // Only the grace timer (3 s) or the second SIGINT can kill ranks that ignore SIGTERM.
    assert.ok(Date.now() - started < 2900, 'the second SIGINT did not cut the 3 s grace period short');
    await assertNoProcessLeft(run.marker);
  });

  it('ranks exit within seconds when tsmpiexec is killed with SIGKILL', { timeout: 60_000 }, async () => {
    const run = startTsmpiexec(job(3, 'hang', '1'));
    for (const rank of [0, 1, 2]) await run.waitForOutput(`rank ${rank} ready`);
    const pids = processesWithMarker(run.marker);
    assert.ok(pids.length >= 4, 'tsmpiexec and its ranks should be running');
    // The job's directory on this node, as its ranks were told (in /dev/shm or the temporary directory).
    const jobDirs = new Set(pids.map(jobDirOf).filter((dir) => dir !== undefined));
    assert.equal(jobDirs.size, 1, 'the ranks should share one job directory');
    const [jobDir] = [...jobDirs] as [string];
    assert.ok(existsSync(jobDir), 'the job should have made its directory');
    run.child.kill('SIGKILL');
    await run.done;
    await assertNoProcessLeft(run.marker, 8000);
    // The watchdog removes the job's directory once the ranks are gone.
    assert.equal(existsSync(jobDir), false, `${jobDir} is left behind`);
  });

  it('the watchdog stops executables (which do not watch tsmpiexec) when tsmpiexec is killed with SIGKILL', { timeout: 60_000 }, async () => {
    const run = startTsmpiexec(['-np', '2', 'sh', '-c', 'echo "ready $TSMPI_RANK"; while :; do sleep 1; done']);
    await run.waitForOutput('ready 0');
    await run.waitForOutput('ready 1');
    run.child.kill('SIGKILL');
    await run.done;
    await assertNoProcessLeft(run.marker, 8000);
  });

  it('ranks that ignore SIGTERM are killed after the grace period when a peer fails', { timeout: 60_000 }, async () => {
    const script = 'if [ "$TSMPI_RANK" = 1 ]; then exit 9; fi; trap "" TERM; while :; do sleep 1; done';
    const result = await runTsmpiexec(['-np', '2', 'sh', '-c', script]);
    assert.equal(result.code, 9);
    assert.match(result.stderr, HEADLINE(1, 'exited with code 9; aborting the job'));
  });

  it('background processes a rank started do not outlive the job', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['-np', '2', 'sh', '-c', 'sleep 300 & echo started']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'started\nstarted\n');
  });
});

/** The TSMPI_JOB_DIR in the environment of process `pid`, if it has one. */
function jobDirOf(pid: number): string | undefined {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').find((variable) => variable.startsWith('TSMPI_JOB_DIR='));
    return entry?.slice('TSMPI_JOB_DIR='.length);
  } catch {
    return undefined;
  }
}
