/**
 * A node lost because its network link goes down (a host in a network namespace whose veth is
 * taken down, see test/infra/start-netns-host.sh): the job must end with a message naming the
 * host, and nothing of the job may survive on either side.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertNoProcessLeft, fixture, MARKER_VARIABLE, ROOT, startTsmpiexec } from '../helpers/run-tsmpiexec.js';
import { FAR_HOST, FAR_NETWORK, skipUnless, SSH_AGENT, SSH_HOSTS } from '../helpers/cluster.js';

const infra = (script: string): void => {
  const run = spawnSync('bash', [join(ROOT, 'test/infra', script)], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, `${script} failed:\n${run.stdout}\n${run.stderr}`);
};

describe('a host whose link is cut', { skip: skipUnless('far-host'), timeout: 180_000 }, () => {
  it('ends the job within the heartbeat bound (default 10 s), naming the host; nothing survives on either side', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-cut-'));
    const hostfile = join(dir, 'hosts');
    writeFileSync(hostfile, `${SSH_HOSTS[0]} slots=1\n${FAR_HOST} slots=1\n`);
    const run = startTsmpiexec(['--launch-agent', SSH_AGENT, '--iface', FAR_NETWORK, '-x', MARKER_VARIABLE, '--hostfile', hostfile, fixture('fail.ts'), 'hang', '1']);
    try {
      await run.waitForOutput('rank 0 ready');
      await run.waitForOutput('rank 1 ready');
      const cut = Date.now();
      infra('cut-netns-link.sh');
      const result = await run.done;
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^tsmpiexec: lost host 10\.231\.0\.2: no sign of life from its agent for \d+\.\d s \(heartbeat bound 10 s\): the host or its network link stopped answering; aborting the job$/m);
      // The heartbeat: 10 s of silence, noticed within one beat (2 s), plus scheduling on a busy machine.
      assert.ok(Date.now() - cut < 20_000, `the lost host was noticed only after ${Date.now() - cut} ms`);
      // The far node agent hears nothing either and stops its rank (SIGTERM, SIGKILL after 3 s).
      await assertNoProcessLeft(run.marker, 15_000);
    } finally {
      infra('restore-netns-link.sh');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
