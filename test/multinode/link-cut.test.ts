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
import { fixture, startTsmpiexec } from '../helpers/run-tsmpiexec.js';
import { FAR_HOST, FAR_NETWORK, hostfile, infra, remote, skipUnless, SSH_HOSTS } from '../helpers/cluster.js';
import { JobProcesses } from '../helpers/job-processes.js';

describe('a host whose link is cut', { skip: skipUnless('far-host'), timeout: 180_000 }, () => {
  it('ends the job within the heartbeat bound (default 10 s), naming the host; nothing survives on either side', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-cut-'));
    const hosts = hostfile(dir, 'hosts', `${SSH_HOSTS[0]} slots=1\n${FAR_HOST} slots=1\n`);
    const run = startTsmpiexec(remote('--iface', FAR_NETWORK, '--hostfile', hosts, fixture('fail.ts'), 'hang', '1'));
    // The far node agent does not carry the marker (ssh passes no environment): follow the job's processes.
    const processes = new JobProcesses(run.child.pid as number, run.marker);
    let ended = false;
    try {
      await run.waitForOutput('rank 0 ready');
      await run.waitForOutput('rank 1 ready');
      const cut = Date.now();
      await infra('cut-netns-link.sh');
      const result = await run.done;
      const noticedMs = Date.now() - cut;
      ended = true;
      // The far node agent hears nothing either and stops its rank (SIGTERM, SIGKILL after 3 s);
      // checked while the link is still down.
      await processes.assertGone(15_000);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^tsmpiexec: lost host 10\.231\.0\.2: no sign of life from its agent for \d+\.\d s \(heartbeat bound 10 s\): the host or its network link stopped answering; aborting the job$/m);
      // The heartbeat: 10 s of silence, noticed within one beat (2 s), plus scheduling on a busy machine.
      assert.ok(noticedMs < 20_000, `the lost host was noticed only after ${noticedMs} ms`);
    } finally {
      if (!ended) {
        // The run failed before the job ended: stop it, so that nothing of it outlives the test
        // (the error that brought us here is what the test reports).
        run.child.kill('SIGKILL');
        await processes.assertGone(15_000).catch(() => {});
      }
      await infra('restore-netns-link.sh');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
