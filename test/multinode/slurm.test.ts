/**
 * Jobs inside allocations of a real three-node Slurm cluster (n1-n3 on this machine, see
 * test/infra/): tsmpiexec with no -np and no hostfile uses exactly the allocation, starting one
 * agent per node with srun.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertNoProcessLeft, fixture, MARKER_VARIABLE, TSMPIEXEC } from '../helpers/run-tsmpiexec.js';
import { runCommand } from '../helpers/run-program.js';
import { skipUnless } from '../helpers/cluster.js';

const skip = skipUnless('slurm');
let dir = '';

const tsmpiexec = (...args: string[]): string => [process.execPath, TSMPIEXEC, '--iface', 'lo', '-x', MARKER_VARIABLE, ...args].join(' ');
const placements = (output: string): string[] =>
  output
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('rank '))
    .sort()
    .map((line) => line.replace(/ sum \d+$/, ''));

describe('jobs in a Slurm allocation', { skip, timeout: 600_000 }, () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsmpi-slurm-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('sbatch -N3 --ntasks-per-node=2: tsmpiexec with no -np or hostfile runs two ranks on each node', { timeout: 120_000 }, async () => {
    const out = join(dir, 'sbatch.out');
    const result = await runCommand('sbatch', ['--wait', '-N3', '--ntasks-per-node=2', '-o', out, '--wrap', tsmpiexec('--verbose', fixture('where.ts'))], 90_000);
    const output = readFileSync(out, 'utf8');
    assert.equal(result.code, 0, `${result.stderr}\n${output}`);
    assert.deepEqual(placements(output), [
      'rank 0/6 via n1 local 0/2',
      'rank 1/6 via n1 local 1/2',
      'rank 2/6 via n2 local 0/2',
      'rank 3/6 via n2 local 1/2',
      'rank 4/6 via n3 local 0/2',
      'rank 5/6 via n3 local 1/2',
    ]);
    assert.match(output, /tsmpiexec: hosts from slurm: n1:2, n2:2, n3:2/);
    assert.match(output, /tsmpiexec: launcher srun;/);
    await assertNoProcessLeft(result.marker, 10_000);
  });

  it('salloc: the allocation decides, and -ppn 1 puts one rank per node', { timeout: 120_000 }, async () => {
    const result = await runCommand('salloc', ['-N3', '--ntasks-per-node=2', ...tsmpiexec('-ppn', '1', fixture('where.ts')).split(' ')], 90_000);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(placements(result.stdout), ['rank 0/3 via n1 local 0/1', 'rank 1/3 via n2 local 0/1', 'rank 2/3 via n3 local 0/1']);
    await assertNoProcessLeft(result.marker, 10_000);
  });

  it('a failing rank in a Slurm job ends the job with its exit code, leaving no step running', { timeout: 120_000 }, async () => {
    const out = join(dir, 'fail.out');
    const result = await runCommand('sbatch', ['--wait', '-N2', '--ntasks-per-node=2', '-o', out, '--wrap', tsmpiexec(fixture('fail.ts'), 'exit', '3', '5')], 90_000);
    const output = readFileSync(out, 'utf8');
    assert.equal(result.code, 5, `${result.stderr}\n${output}`);
    assert.match(output, /^tsmpiexec: rank 3 on n2 \(pid \d+\) exited with code 5; aborting the job$/m);
    // srun passes the batch step's environment on, so the node agents carry the marker too.
    await assertNoProcessLeft(result.marker, 10_000);
  });
});
