/** Pools over the ranks of a job, through the real tsmpiexec. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertNoProcessLeft, fixture, runTsmpiexec, TSMPIEXEC } from '../helpers/run-tsmpiexec.js';
import { runCommand } from '../helpers/run-program.js';

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

  it('reports progress to a callback, and draws no bar when stderr is not a terminal', { timeout: 90_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '3', fixture('pool-progress.ts')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^callback: called, last 40\/40, increasing true, eta 0$/m);
    assert.doesNotMatch(result.stderr, /map slowTask/);
  });

  it('draws a progress bar on tsmpiexec\'s terminal', { timeout: 90_000 }, async () => {
    // script(1) gives tsmpiexec a pseudo-terminal, as a user's shell would.
    const command = `${process.execPath} ${TSMPIEXEC} --oversubscribe -np 3 ${fixture('pool-progress.ts')}`;
    const result = await runCommand('script', ['-qec', command, '/dev/null']);
    const output = result.stdout + result.stderr;
    assert.equal(result.code, 0, output);
    await assertNoProcessLeft(result.marker);
    const frames = output.split('\r').map((frame) => frame.replace('\x1b[K', ''));
    assert.ok(frames.some((frame) => /^map slowTask \[#+\.+\] \d+\/40 \d+% [\d.]+\/s ETA \d+s$/.test(frame)), 'no partial bar was drawn');
    assert.match(output, /map slowTask \[#{24}\] 40\/40 100% [\d.]+\/s ETA 0s\r?\n/);
    assert.match(output, /callback: called, last 40\/40/);
  });

  it('breaking out of imap closes the input iterator and leaves the pool usable', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['-np', '2', fixture('pool-imap-break.ts')]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'input closed: true\npool usable after break\n');
  });

  it('examples/pool-pi.ts estimates pi with a pool map', { timeout: 90_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '3', 'examples/pool-pi.ts', '400000', '20']);
    assert.equal(result.code, 0, result.stderr);
    const match = /^pi ~ (\d\.\d+) from 400000 samples in 20 tasks on 2 workers in [\d.]+ s$/m.exec(result.stdout);
    assert.ok(match, result.stdout);
    assert.ok(Math.abs(Number(match[1]) - Math.PI) < 0.05);
  });
});
