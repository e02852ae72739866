/**
 * The real cluster parts the multi-node tests use (started by test/infra/, see its README): a
 * private sshd answering on 127.0.0.2-5 and a three-node Slurm cluster. Under CI=true they must
 * be there; elsewhere a test without them is skipped with a message saying how to start them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './run-program.js';
import { MARKER_VARIABLE, ROOT } from './run-tsmpiexec.js';

/** The ssh client config start-sshd.sh writes. */
export const SSH_CONFIG = '/tmp/tsmpi-infra/ssh/ssh_config';
/** The launch agent option that makes tsmpiexec use it. */
export const SSH_AGENT = `ssh -F ${SSH_CONFIG}`;
/** The "hosts" the private sshd answers on. */
export const SSH_HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'] as const;

/**
 * tsmpiexec options for ranks on other hosts, before `args`: the private sshd as launch agent,
 * and -x for the marker, since remote ranks get only their job's variables and the leftover
 * checks look for it.
 */
export function remote(...args: string[]): string[] {
  return ['--launch-agent', SSH_AGENT, '-x', MARKER_VARIABLE, ...args];
}

/** Writes a hostfile `name` holding `text` into the directory `dir`; returns its path. */
export function hostfile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/**
 * Runs the script test/infra/SCRIPT (such as cut-netns-link.sh) and fails unless it succeeds. It
 * does not block this process meanwhile, so that tests running next to it keep their timing.
 */
export async function infra(script: string): Promise<void> {
  const run = await runCommand('bash', [join(ROOT, 'test/infra', script)], 30_000);
  assert.equal(run.code, 0, `${script} failed:\n${run.stdout}\n${run.stderr}`);
}

const HOW_TO_START =
  'start them with: sudo bash test/infra/install-packages.sh && bash test/infra/start-sshd.sh && bash test/infra/start-slurm.sh && bash test/infra/start-netns-host.sh';

function sshAnswers(): boolean {
  if (!existsSync(SSH_CONFIG)) return false;
  return spawnSync('ssh', ['-F', SSH_CONFIG, SSH_HOSTS[0], 'true'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

function slurmIdle(): boolean {
  const sinfo = spawnSync('sinfo', ['-h', '-N', '-o', '%N %t'], { encoding: 'utf8', timeout: 15_000 });
  if (sinfo.status !== 0) return false;
  const idle = sinfo.stdout.split('\n').filter((line) => /^n[123] idle/.test(line));
  return idle.length === 3;
}

/** The far host in a network namespace (start-netns-host.sh), whose link a test can cut. */
export const FAR_HOST = '10.231.0.2';
/** The network shared by this machine (10.231.0.1) and the far host. */
export const FAR_NETWORK = '10.231.0.0/24';

function farHostAnswers(): boolean {
  if (!existsSync(SSH_CONFIG)) return false;
  return spawnSync('ssh', ['-F', SSH_CONFIG, FAR_HOST, 'true'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

/**
 * The `skip` option for a test that needs sshd, Slurm or the far host: false when they answer; a
 * reason when they do not and this is not CI; under CI=true never a skip (the test runs and fails).
 */
export function skipUnless(part: 'sshd' | 'slurm' | 'far-host'): false | string {
  const there = part === 'sshd' ? sshAnswers() : part === 'slurm' ? slurmIdle() : farHostAnswers();
  if (there || process.env.CI === 'true') return false;
  return `${part} is not running here; ${HOW_TO_START}`;
}

// The agent's program: bundled (dist/bundle/, what tsmpiexec runs) or as tsc built it.
const NODE_AGENT_PROGRAM = /\/(bundle|launcher\/agent)\/node-agent\.js /;

/**
 * Command lines of running node agents of the jobs of the tsmpiexec processes `launcherPids`
 * (their job ids start with the launcher's pid), or of any job when none are given.
 */
export function runningNodeAgents(launcherPids?: readonly number[]): string[] {
  const jobPrefixes = launcherPids?.map((pid) => `--job ${pid.toString(36)}-`);
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ');
      const ours = jobPrefixes === undefined || jobPrefixes.some((prefix) => command.includes(prefix));
      if (NODE_AGENT_PROGRAM.test(command) && !command.startsWith('ssh ') && !command.startsWith('srun ') && ours) found.push(`${pid}: ${command}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}
