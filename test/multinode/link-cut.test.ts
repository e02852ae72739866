/**
 * A node lost because its network link goes down (a host in a network namespace whose veth is
 * taken down, see test/infra/start-netns-host.sh): the job must end with a message naming the
 * host, and nothing of the job may survive on either side.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixture } from '../helpers/run-tsmpiexec.js';
import { FAR_HOST, FAR_NETWORK, hostfile, infra, remote, skipUnless, SSH_HOSTS } from '../helpers/cluster.js';
import { runJob } from '../helpers/run-job.js';

describe('a host whose link is cut', { skip: skipUnless('far-host'), timeout: 180_000 }, () => {
  it('ends the job within the heartbeat bound (default 10 s), naming the host; nothing survives on either side', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-cut-'));
    const hosts = hostfile(dir, 'hosts', `${SSH_HOSTS[0]} slots=1\n${FAR_HOST} slots=1\n`);
    try {
      // runJob follows the job's processes (the far node agent does not carry the marker: ssh
      // passes no environment) and, should anything fail before the job ends, stops it so that
      // nothing of it outlives the test (its own clean-up given 15 s, the link being down).
      const job = await runJob(
        remote('--iface', FAR_NETWORK, '--hostfile', hosts, fixture('fail.ts'), 'hang', '1'),
        async (run) => {
          await run.waitForOutput('rank 0 ready');
          await run.waitForOutput('rank 1 ready');
          const cutAt = Date.now();
          await infra('cut-netns-link.sh');
          return cutAt;
        },
        { cleanUpMs: 15_000 },
      );
      const noticedMs = job.endedAt - job.faultAt;
      // The far node agent hears nothing either and stops its rank (SIGTERM, SIGKILL after 3 s);
      // checked while the link is still down.
      await job.processes.assertGone(15_000);
      assert.equal(job.result.code, 1, job.result.stderr);
      assert.match(job.result.stderr, /^tsmpiexec: lost host 10\.231\.0\.2: no sign of life from its agent for \d+\.\d s \(heartbeat bound 10 s\): the host or its network link stopped answering; aborting the job$/m);
      // The heartbeat: 10 s of silence, noticed within one beat (2 s), plus scheduling on a busy machine.
      assert.ok(noticedMs < 20_000, `the lost host was noticed only after ${noticedMs} ms`);
    } finally {
      await infra('restore-netns-link.sh');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
