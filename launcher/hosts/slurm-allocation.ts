/**
 * The hosts of a Slurm allocation, from the variables Slurm sets in a job: SLURM_JOB_NODELIST in
 * Slurm's range syntax (`n[1-3,7],gpu[05-06]`) and SLURM_TASKS_PER_NODE (`2(x3),1`), the number of
 * tasks (MPI slots) on each node in order.
 */
import { TsmpiError } from '../../src/errors.js';
import type { HostSlots } from './host-slots.js';

/** Splits at commas that are not inside brackets. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '[') depth++;
    if (char === ']') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts.filter((part) => part !== '');
}

/**
 * Expands a Slurm node list into names, keeping zero padding (`gpu[05-06]` → gpu05, gpu06).
 * @throws TsmpiError ERR_HOSTFILE on a malformed list
 */
export function expandNodeList(list: string): string[] {
  const names: string[] = [];
  for (const part of topLevelParts(list.trim())) {
    const match = /^([^[\]]*)\[([^\]]+)\](.*)$/.exec(part);
    if (match === null) {
      if (/[[\]]/.test(part)) throw new TsmpiError('ERR_HOSTFILE', `SLURM_JOB_NODELIST: cannot read ${JSON.stringify(part)}`);
      names.push(part);
      continue;
    }
    const [, prefix, ranges, suffix] = match as unknown as [string, string, string, string];
    for (const range of ranges.split(',')) {
      const bounds = /^(\d+)(?:-(\d+))?$/.exec(range);
      if (bounds === null) throw new TsmpiError('ERR_HOSTFILE', `SLURM_JOB_NODELIST: cannot read the range ${JSON.stringify(range)} in ${JSON.stringify(part)}`);
      const [, from, to = from] = bounds as unknown as [string, string, string?];
      const width = from.length;
      for (let n = Number(from); n <= Number(to); n++) {
        // A tail such as "[1-2]-ib" applies to every name; nested brackets in it are expanded too.
        for (const tail of suffix === '' ? [''] : expandNodeList(`x${suffix}`).map((s) => s.slice(1))) {
          names.push(`${prefix}${String(n).padStart(width, '0')}${tail}`);
        }
      }
    }
  }
  return names;
}

/**
 * Expands SLURM_TASKS_PER_NODE (`2(x3),1`) into one count per node.
 * @throws TsmpiError ERR_HOSTFILE on a malformed value
 */
export function expandTasksPerNode(text: string): number[] {
  const counts: number[] = [];
  for (const part of text.split(',')) {
    const match = /^(\d+)(?:\(x(\d+)\))?$/.exec(part.trim());
    if (match === null) throw new TsmpiError('ERR_HOSTFILE', `SLURM_TASKS_PER_NODE: cannot read ${JSON.stringify(part)}`);
    for (let i = 0; i < Number(match[2] ?? 1); i++) counts.push(Number(match[1]));
  }
  return counts;
}

/** The allocation's hosts, or undefined outside a Slurm job. */
export function slurmHosts(env: NodeJS.ProcessEnv): HostSlots[] | undefined {
  const nodeList = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
  if (env.SLURM_JOB_ID === undefined || nodeList === undefined) return undefined;
  const names = expandNodeList(nodeList);
  const perNode = env.SLURM_TASKS_PER_NODE ?? env.SLURM_JOB_CPUS_PER_NODE;
  const counts = perNode === undefined ? names.map(() => 1) : expandTasksPerNode(perNode);
  if (counts.length !== names.length) {
    throw new TsmpiError(
      'ERR_HOSTFILE',
      `the Slurm allocation lists ${names.length} nodes (${nodeList}) but ${counts.length} task counts (${perNode})`,
    );
  }
  return names.map((name, i) => ({ name, slots: counts[i] as number }));
}
