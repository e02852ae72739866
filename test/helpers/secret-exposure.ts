/**
 * Runs a job whose ranks show the secret they received on their control channel
 * (test/fixtures/show-secret.ts) and checks, while it runs, that the secret appears neither in
 * `ps auxeww` nor in any job process's /proc/PID/cmdline or /proc/PID/environ.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture, processesWithMarker } from './run-tsmpiexec.js';
import { runCommand } from './run-program.js';
import { runJob } from './run-job.js';

/** Runs `tsmpiexec ARGS show-secret.ts` with `ranks` ranks and checks that the secret stays hidden. */
export async function assertSecretHidden(args: readonly string[], ranks: number): Promise<void> {
  // A failed check would leave the ranks waiting for SIGUSR2 (on other hosts too) until the
  // timeout: runJob stops the job at once instead, and the check's failure is reported.
  const job = await runJob(
    [...args, fixture('show-secret.ts')],
    async (run) => {
      for (let rank = 0; rank < ranks; rank++) await run.waitForOutput(`rank ${rank} secret `);
      const shownLines = [...run.stdout.matchAll(/^rank \d+ secret ([0-9a-f]{64}) pid (\d+)$/gm)];
      assert.equal(shownLines.length, ranks, 'every rank got the secret over its control channel');
      const secrets = new Set(shownLines.map((m) => m[1] as string));
      assert.equal(secrets.size, 1, 'one secret per job');
      const secret = [...secrets][0] as string;
      const pids = processesWithMarker(run.marker);
      assert.ok(pids.length > ranks, `tsmpiexec and ${ranks} ranks are running (${pids.length} processes)`);

      const ps = await runCommand('ps', ['auxeww']);
      assert.equal(ps.code, 0);
      for (const pid of pids) assert.match(ps.stdout, new RegExp(`^\\S+\\s+${pid}\\s`, 'm'), `ps lists process ${pid}`);
      assert.ok(!ps.stdout.includes(secret), 'ps auxeww shows the secret');
      for (const pid of pids) {
        for (const file of ['cmdline', 'environ']) {
          let text = '';
          try {
            text = readFileSync(`/proc/${pid}/${file}`, 'latin1');
          } catch {
            continue; // The process is gone.
          }
          assert.ok(!text.includes(secret), `/proc/${pid}/${file} holds the secret`);
        }
      }
      for (const match of shownLines) process.kill(Number(match[2]), 'SIGUSR2');
    },
    { timeoutMs: 50_000 },
  );
  await job.processes.assertGone(3000);
  assert.equal(job.result.code, 0, job.result.stderr);
}
