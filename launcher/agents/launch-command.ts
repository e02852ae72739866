/**
 * The command line that starts the node agent on a host: through ssh (the default), srun inside
 * a Slurm allocation, or the user's --launch-agent (anything that takes `HOST COMMAND` like ssh or
 * rsh). The agent's path and Node's are the same on every host: a shared file system, as on HPC
 * clusters.
 */
import { basename } from 'node:path';
import { ownModulePath } from '../job/own-module.js';
import { tsxLoaderUrl } from '../job/rank-command.js';
import { TsmpiError } from '../../src/errors.js';

/** How node agents are started. */
export type LauncherKind = 'ssh' | 'srun' | 'local';

// Fail fast and detect dead links: no prompts, a bounded connect, keep-alives both ways.
const SSH_OPTIONS = ['-T', '-x', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3'];

/**
 * The node agent program, as this installation has it. The job id in its arguments lets `ps` on
 * a node tell which job an agent belongs to.
 */
export function nodeAgentCommand(jobId: string): string[] {
  const agent = ownModulePath(new URL('../agent/node-agent.js', import.meta.url));
  const loader = agent.endsWith('.ts') ? ['--import', tsxLoaderUrl()] : [];
  return [process.execPath, ...loader, agent, '--job', jobId];
}

/** Quotes a word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * Splits a --launch-agent value into words (quotes group words, as a shell would).
 * @throws TsmpiError ERR_USAGE on an unterminated quote or an empty command
 */
export function splitCommandWords(text: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) words.push(match[1] ?? match[2] ?? match[3] ?? '');
  if (words.length === 0 || /^[^"']*(["'])[^"']*$/.test(text)) {
    throw new TsmpiError('ERR_USAGE', `--launch-agent ${JSON.stringify(text)} is not a command`);
  }
  return words;
}

/** The argv that starts the node agent of job `jobId` on `host`. */
export function launchCommand(kind: 'ssh' | 'srun', host: string, jobId: string, customAgent?: string): string[] {
  const agent = nodeAgentCommand(jobId);
  if (kind === 'srun') {
    // One step per node: one task, sharing the allocation's CPUs with the batch step.
    return ['srun', '--nodes=1', '--ntasks=1', `--nodelist=${host}`, '--overlap', '--unbuffered', '--quiet', '--cpu-bind=none', '--kill-on-bad-exit=0', ...agent];
  }
  const words = customAgent === undefined ? ['ssh'] : splitCommandWords(customAgent);
  const options = basename(words[0] as string) === 'ssh' ? SSH_OPTIONS : [];
  return [...words, ...options, host, `exec ${agent.map(shellQuote).join(' ')}`];
}
