/**
 * --encrypt across hosts (the private sshd's 127.0.0.2 and 127.0.0.3, tcp over loopback): the job
 * works, and a capture of its tcp traffic (tcpdump on lo) does not contain the strings the ranks
 * send, which the same job without --encrypt does show (so the capture is known to see them).
 * And the secret reaches remote ranks through their node agents without showing in `ps`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixture, runTsmpiexec, startCommand, startedLaunchers } from '../helpers/run-tsmpiexec.js';
import { hostfile, remote, runningNodeAgents, skipUnless, SSH_HOSTS } from '../helpers/cluster.js';
import { assertSecretHidden } from '../helpers/secret-exposure.js';

const skip = skipUnless('sshd');
let dir = '';

/** Runs the marker ring on two hosts while tcpdump captures tcp on lo; returns the capture. */
async function ringCaptured(marker: string, encrypt: boolean): Promise<Buffer> {
  const capture = join(dir, `${encrypt ? 'encrypted' : 'plain'}.pcap`);
  // -U writes each packet as it comes; ssh (port 2222) is encrypted anyway and only adds noise.
  const tcpdump = startCommand('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-n', '-s', '0', '-w', capture, 'tcp and not port 2222'], { timeoutMs: 90_000 });
  let result;
  try {
    await tcpdump.waitForOutput('listening on');
    const hosts = hostfile(dir, 'hosts', `${SSH_HOSTS[0]} slots=2\n${SSH_HOSTS[1]} slots=2\n`);
    result = await runTsmpiexec(remote('--iface', 'lo', '--hostfile', hosts, ...(encrypt ? ['--encrypt'] : []), fixture('marker-ring.ts'), marker), { timeoutMs: 60_000 });
    // tcpdump writes packets in order: once a last packet of our own is in the file, so is the job's.
    await sendAndAwaitCaptured(`end-of-job-${randomBytes(8).toString('hex')}`, capture);
  } finally {
    // Also when the job fails: no capture may outlive its test.
    tcpdump.child.kill('SIGINT');
  }
  const dumped = await tcpdump.done;
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n').sort(), [0, 1, 2, 3].map((r) => `rank ${r}: ring ok`));
  assert.match(dumped.stderr, /packets captured/, dumped.stderr);
  return readFileSync(capture);
}

/** Sends `text` over a tcp connection on loopback and resolves once the capture file holds it. */
async function sendAndAwaitCaptured(text: string, capture: string): Promise<void> {
  const server = createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const seen = new Promise<void>((resolve) => {
    const check = (): void => {
      if (!readFileSync(capture).includes(text)) return;
      watcher.close();
      resolve();
    };
    const watcher = watch(capture, check);
    check();
  });
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1', () => client.end(text));
  await seen;
  server.close();
}

describe('--encrypt between hosts', { skip, timeout: 300_000 }, () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsmpi-encrypt-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(runningNodeAgents(startedLaunchers()), [], 'node agents were left running');
  });

  it('without --encrypt, the capture shows what ranks send (the capture sees the traffic)', { timeout: 120_000 }, async () => {
    const marker = `plain-${randomBytes(8).toString('hex')}`;
    const captured = await ringCaptured(marker, false);
    assert.ok(captured.includes(marker), `the marker did not cross the wire in clear (${captured.length} bytes captured)`);
  });

  it('with --encrypt, the job works and the capture never shows what ranks send', { timeout: 120_000 }, async () => {
    const marker = `secret-${randomBytes(8).toString('hex')}`;
    const captured = await ringCaptured(marker, true);
    assert.ok(captured.length > 10_000, `the capture holds the job's traffic (${captured.length} bytes)`);
    assert.ok(!captured.includes(marker), 'the marker crossed the wire in clear despite --encrypt');
    assert.ok(!captured.includes(' from 1 round '), 'no plaintext of the messages is on the wire');
  });

  it('hands the secret to node agents without putting it on a command line or in an environment', { timeout: 60_000 }, async () => {
    const hosts = hostfile(dir, 'hosts-secret', `${SSH_HOSTS[0]} slots=2\n${SSH_HOSTS[1]} slots=2\n`);
    await assertSecretHidden(remote('--iface', 'lo', '--hostfile', hosts, '--encrypt'), 4);
  });
});
