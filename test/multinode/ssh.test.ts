/**
 * Jobs across "hosts" reached through a real OpenSSH server (127.0.0.2-5 on this machine, each a
 * distinct ssh destination): where ranks run, traffic between hosts, placement options, PBS jobs,
 * and every failure: a rank failing remotely, an unreachable host, a host lost mid-job, signals.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertNoProcessLeft, fixture, runTsmpiexec, startedLaunchers, type RunResult } from '../helpers/run-tsmpiexec.js';
import { hostfile, remote, runningNodeAgents, skipUnless, SSH_AGENT, SSH_HOSTS } from '../helpers/cluster.js';
import { JobProcesses } from '../helpers/job-processes.js';
import { runJob } from '../helpers/run-job.js';
import { startProgram } from '../helpers/run-program.js';

const skip = skipUnless('sshd');
let dir = '';

interface Seen {
  rank: number;
  size: number;
  host: string;
  local: string;
  sum: number;
}
const parseWhere = (stdout: string): Seen[] =>
  stdout
    .trim()
    .split('\n')
    .map((line) => {
      const match = /^(?:\[[^\]]+\] )?rank (\d+)\/(\d+) via (\S+) local (\S+) sum (\d+)$/.exec(line);
      assert.ok(match, `unexpected line ${line}`);
      return { rank: Number(match[1]), size: Number(match[2]), host: match[3] as string, local: match[4] as string, sum: Number(match[5]) };
    })
    .sort((a, b) => a.rank - b.rank);

describe('jobs over ssh', { skip, timeout: 600_000 }, () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsmpi-hosts-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(runningNodeAgents(startedLaunchers()), [], 'node agents were left running');
  });

  it('runs each rank on the host the hostfile puts it on, and they talk across hosts', { timeout: 60_000 }, async () => {
    const file = hostfile(dir, 'two', `# two hosts\n${SSH_HOSTS[0]} slots=2\n${SSH_HOSTS[1]}:2\n`);
    const result = await runTsmpiexec(remote('--iface', 'lo', '--hostfile', file, fixture('where.ts')));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(parseWhere(result.stdout), [
      { rank: 0, size: 4, host: SSH_HOSTS[0], local: '0/2', sum: 6 },
      { rank: 1, size: 4, host: SSH_HOSTS[0], local: '1/2', sum: 6 },
      { rank: 2, size: 4, host: SSH_HOSTS[1], local: '0/2', sum: 6 },
      { rank: 3, size: 4, host: SSH_HOSTS[1], local: '1/2', sum: 6 },
    ]);
  });

  it('deals ranks round-robin with --map-by node and tags lines [rank@host]', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(remote('--iface', 'lo', '--host', `${SSH_HOSTS[0]}:2,${SSH_HOSTS[1]}:2,${SSH_HOSTS[2]}:2`, '--map-by', 'node', '-np', '4', '--tag-output', fixture('where.ts')));
    assert.equal(result.code, 0, result.stderr);
    const hosts = parseWhere(result.stdout).map((seen) => seen.host);
    assert.deepEqual(hosts, [SSH_HOSTS[0], SSH_HOSTS[1], SSH_HOSTS[2], SSH_HOSTS[0]]);
    for (const line of result.stdout.trim().split('\n')) assert.match(line, /^\[(\d)@(127\.0\.0\.\d)\] rank \1\/4 via \2 /);
  });

  it('puts exactly N ranks per host with -ppn', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(remote('--iface', 'lo', '--host', SSH_HOSTS.map((h) => `${h}:4`).join(','), '-ppn', '1', fixture('where.ts')));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(parseWhere(result.stdout).map((seen) => [seen.host, seen.local]), SSH_HOSTS.map((h) => [h, '0/1']));
  });

  it('runs collectives across hosts (random values and roots against the model)', { timeout: 120_000 }, async () => {
    const file = hostfile(dir, 'three', `${SSH_HOSTS[0]} slots=2\n${SSH_HOSTS[1]} slots=1\n${SSH_HOSTS[2]} slots=2\n`);
    const result = await runTsmpiexec(remote('--iface', 'lo', '--hostfile', file, fixture('collectives-property.ts'), '99', '25'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n').sort(), [0, 1, 2, 3, 4].map((r) => `rank ${r}: 25 cases ok`));
  });

  it('uses the hosts of a PBS job (select=3:ncpus=2:mpiprocs=2) without -np or a hostfile', { timeout: 60_000 }, async () => {
    const nodeFile = hostfile(dir, 'pbs-nodes', SSH_HOSTS.slice(0, 3).flatMap((h) => [h, h]).join('\n') + '\n');
    const pbsEnv = { PBS_NODEFILE: nodeFile, PBS_JOBID: '1234.pbs-server', PBS_O_WORKDIR: process.cwd(), PBS_JOBNAME: 'tsmpi-test', NCPUS: '2', OMP_NUM_THREADS: '2' };
    const result = await runTsmpiexec(remote('--iface', 'lo', '--tag-output', fixture('where.ts')), { env: pbsEnv });
    assert.equal(result.code, 0, result.stderr);
    const seen = parseWhere(result.stdout);
    assert.deepEqual(seen.map((s) => s.host), SSH_HOSTS.slice(0, 3).flatMap((h) => [h, h]));
    assert.ok(seen.every((s) => s.size === 6 && s.sum === 15));
  });

  it('gives tsmpiexec\'s standard input to rank 0 on a remote host, and none to the others', { timeout: 60_000 }, async () => {
    const file = hostfile(dir, 'stdin', `${SSH_HOSTS[1]}:1\n${SSH_HOSTS[2]}:1\n`);
    const result = await runTsmpiexec(remote('--iface', 'lo', '--hostfile', file, fixture('echo-stdin.ts')), { input: 'first line\nsecond line\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n').sort(), ['rank 0 read "first line\\nsecond line\\n"', 'rank 1 read ""']);
  });

  it('a rank failing on a remote host stops the job with its exit code and host', { timeout: 60_000 }, async () => {
    const file = hostfile(dir, 'fail', `${SSH_HOSTS[0]}:2\n${SSH_HOSTS[1]}:2\n`);
    const result = await runTsmpiexec(remote('--iface', 'lo', '--hostfile', file, fixture('fail.ts'), 'exit', '3', '7'));
    assert.equal(result.code, 7);
    assert.match(result.stderr, new RegExp(`^tsmpiexec: rank 3 on ${SSH_HOSTS[1].replaceAll('.', '\\.')} \\(pid \\d+\\) exited with code 7; aborting the job$`, 'm'));
  });

  it('an uncaught exception on a remote host is reported with its stack', { timeout: 60_000 }, async () => {
    const file = hostfile(dir, 'throw', `${SSH_HOSTS[0]}:1\n${SSH_HOSTS[1]}:1\n`);
    const result = await runTsmpiexec(remote('--iface', 'lo', '--hostfile', file, fixture('fail.ts'), 'throw', '1'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /rank 1 on 127\.0\.0\.3 \(pid \d+\) failed with an uncaught exception: TypeError: rank 1 threw on purpose/);
    assert.match(result.stderr, /^ {4}at .*fail\.ts/m);
  });

  it('an unreachable host fails the job within seconds, naming it and what ssh said', { timeout: 60_000 }, async () => {
    // 127.0.0.9 is loopback but nothing listens on port 2222 there: connection refused.
    const file = hostfile(dir, 'unreachable', `${SSH_HOSTS[0]}:1\n127.0.0.9:1\n`);
    const started = Date.now();
    const result = await runTsmpiexec(remote('--iface', 'lo', '--hostfile', file, fixture('where.ts')));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^tsmpiexec: lost host 127\.0\.0\.9: its launch agent \(ssh\) exited with code 255 before its ranks could start .*Connection refused.*; aborting the job$/m);
    assert.ok(Date.now() - started < 20_000, 'an unreachable host must fail the job within the documented bound');
  });

  it('a host whose agent is killed mid-job ends the job, naming the host; nothing survives anywhere', { timeout: 60_000 }, async () => {
    const file = hostfile(dir, 'lost', `${SSH_HOSTS[0]}:2\n${SSH_HOSTS[1]}:2\n`);
    // Should anything fail before the job ends, runJob kills it and cleans up after it.
    const job = await runJob(remote('--iface', 'lo', '--hostfile', file, fixture('fail.ts'), 'hang', '3'), async (run) => {
      for (const rank of [0, 1, 2, 3]) await run.waitForOutput(`rank ${rank} ready`);
      const agents = runningNodeAgents([run.child.pid as number]);
      assert.equal(agents.length, 2, agents.join('\n'));
      // Kill the agent of the second host (its pid comes first in the line).
      const victim = agents.map((line) => Number(line.split(':')[0])).sort((a, b) => b - a)[0] as number;
      process.kill(victim, 'SIGKILL');
    });
    // At once, whatever else the run shows: nothing of the job may be left, on any host.
    await job.processes.assertGone(10_000);
    assert.equal(job.result.code, 1, job.result.stderr);
    assert.match(job.result.stderr, /^tsmpiexec: lost host 127\.0\.0\.[23]: its launch agent \(ssh\) exited with code \d+ while 2 of its ranks were running.*; aborting the job$/m);
  });

  it('Ctrl-C stops remote ranks too and exits 130', { timeout: 60_000 }, async () => {
    const file = hostfile(dir, 'sigint', `${SSH_HOSTS[0]}:1\n${SSH_HOSTS[1]}:1\n`);
    const job = await runJob(remote('--iface', 'lo', '--hostfile', file, fixture('fail.ts'), 'hang', '0'), async (run) => {
      for (const rank of [0, 1]) await run.waitForOutput(`rank ${rank} ready`);
      run.child.kill('SIGINT');
    });
    await job.processes.assertGone(10_000);
    assert.equal(job.result.code, 130, job.result.stderr);
  });

  it('remote ranks exit when tsmpiexec is killed with SIGKILL', { timeout: 60_000 }, async () => {
    const file = hostfile(dir, 'sigkill', `${SSH_HOSTS[2]}:1\n${SSH_HOSTS[3]}:1\n`);
    const job = await runJob(remote('--iface', 'lo', '--hostfile', file, fixture('fail.ts'), 'hang', '0'), async (run) => {
      for (const rank of [0, 1]) await run.waitForOutput(`rank ${rank} ready`);
      run.child.kill('SIGKILL');
    });
    // The ranks (which carry the marker) within 15 s; then the rest of the job, the node agents
    // above all (which ssh started without it), within 10 s more.
    await assertNoProcessLeft(job.result.marker, 15_000);
    await job.processes.assertGone(10_000);
  });

  it('runs --tasks command lists across the hosts', { timeout: 60_000 }, async () => {
    const file = hostfile(dir, 'tasks-hosts', `${SSH_HOSTS[0]}:1\n${SSH_HOSTS[1]}:1\n${SSH_HOSTS[2]}:1\n`);
    const tasks = hostfile(dir, 'tasks.txt', Array.from({ length: 9 }, (_, i) => `sleep 0.1; echo "task ${i} on $(echo $SSH_CONNECTION | cut -d' ' -f3)"`).join('\n'));
    const result = await runTsmpiexec(remote('--iface', 'lo', '--hostfile', file, '--tasks', tasks));
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 9);
    assert.deepEqual([...new Set(lines.map((line) => line.split(' on ')[1]))].sort(), SSH_HOSTS.slice(0, 3));
  });

  it('createPool() from a plain program puts its workers on the hosts of a hostfile', { timeout: 60_000 }, async () => {
    const file = hostfile(dir, 'pool-hosts', `${SSH_HOSTS[1]}:2\n${SSH_HOSTS[2]}:2\n`);
    const run = startProgram(fixture('standalone-pool.ts'), ['map', file, SSH_AGENT, 'lo']);
    // The program launches the job itself (its id starts with the program's pid, not a
    // tsmpiexec's), so the suite's check for node agents cannot see it: watch it here.
    const processes = new JobProcesses(run.child.pid as number, run.marker);
    let result: RunResult;
    try {
      result = await run.done;
    } finally {
      await processes.assertGone(10_000);
    }
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^places: 1@${SSH_HOSTS[1]} 2@${SSH_HOSTS[1]} 3@${SSH_HOSTS[2]}$`, 'm'));
    assert.match(result.stdout, /^closed$/m);
  });

  it('refuses a malformed hostfile, naming file and line, starting nothing', { timeout: 30_000 }, async () => {
    const file = hostfile(dir, 'bad', `${SSH_HOSTS[0]} slots=2\n${SSH_HOSTS[1]} slots=two\n`);
    const result = await runTsmpiexec(remote('--iface', 'lo', '--hostfile', file, 'hostname'));
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`tsmpiexec: ${file.replaceAll('/', '\\/')}:2: slots= must be a whole number of at least 1`));
  });
});
