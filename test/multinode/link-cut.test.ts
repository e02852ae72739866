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
  it('ends the job within the ssh keep-alive bound, naming the host; nothing survives on either side', { timeout: 120_000 }, async () => {
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
      assert.match(result.stderr, /^tsmpiexec: lost host 10\.231\.0\.2: its launch agent \(ssh\) exited with code 255 while 1 of its ranks were running.*; aborting the job$/m);
      // ssh keep-alives: 3 probes 5 s apart, plus scheduling on a busy machine.
      assert.ok(Date.now() - cut < 45_000, `the lost host was noticed only after ${Date.now() - cut} ms`);
      // The far host's sshd drops the dead session and the node agent stops its rank with it.
      await assertNoProcessLeft(run.marker, 40_000);
    } finally {
      infra('restore-netns-link.sh');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
