/**
 * Job isolation: a process outside the job that attacks every endpoint of a running job (tcp and
 * ipc) with garbage, truncated frames, forged tsmpi headers and replayed messages is refused at
 * the handshake; no rank crashes, hangs or receives anything from it, and the job's result is
 * right. And the job's secret appears in no process's command line or environment.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixture, processesWithMarker } from '../helpers/run-tsmpiexec.js';
import { listeningEndpoints } from '../helpers/listening-endpoints.js';
import { runProgram } from '../helpers/run-program.js';
import { runJob } from '../helpers/run-job.js';
import { assertSecretHidden } from '../helpers/secret-exposure.js';

// Two "hosts" on this machine: ranks 0,1 and 2,3 talk over ipc within a host and tcp across.
const TWO_HOSTS = ['--launcher', 'local', '--host', 'a:2,b:2', '--oversubscribe', '-np', '4'];

describe('job isolation', { timeout: 300_000 }, () => {
  for (const encrypt of [false, true]) {
    it(`refuses an outsider on every tcp and ipc endpoint${encrypt ? ' (--encrypt)' : ''}, and the job still succeeds`, { timeout: 120_000 }, async () => {
      // Should anything fail before the job ends, runJob kills it and cleans up after it.
      const job = await runJob(
        [...TWO_HOSTS, ...(encrypt ? ['--encrypt'] : []), fixture('isolation-target.ts')],
        async (run) => {
          await run.waitForOutput('isolation ready');
          const rank0 = Number(/isolation ready (\d+)/.exec(run.stdout)?.[1]);
          const endpoints = listeningEndpoints(processesWithMarker(run.marker));
          assert.equal(endpoints.filter((e) => e.startsWith('tcp://')).length, 4, `every rank listens on tcp: ${endpoints.join(' ')}`);
          assert.equal(endpoints.filter((e) => e.startsWith('ipc://')).length, 4, `every rank listens on ipc: ${endpoints.join(' ')}`);

          const attacker = await runProgram(fixture('isolation-attacker.ts'), endpoints);
          assert.equal(attacker.code, 0, attacker.stderr);
          assert.match(attacker.stdout, /^accepted 0$/m, attacker.stdout);
          assert.equal(attacker.stdout.match(/^attacked /gm)?.length, 8, attacker.stdout);

          process.kill(rank0, 'SIGUSR2');
        },
        { timeoutMs: 90_000 },
      );
      await job.processes.assertGone(3000);
      const { result } = job;
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.stdout.split('\n').filter((line) => line.startsWith('rank')).sort(), [0, 1, 2, 3].map((r) => `rank ${r}: isolation ok`));
      // The ZAP handler saw the wrong credentials and said so (once per source).
      assert.match(result.stderr, /Warning: tsmpi: rank \d refused a connection from /);
      assert.doesNotMatch(result.stderr, /dropped a message/, 'nothing from the attacker reached a rank');
    });
  }

  it('puts the secret on no command line and in no environment (ps auxeww)', { timeout: 60_000 }, async () => {
    await assertSecretHidden(TWO_HOSTS, 4);
  });
});
