/**
 * How many ranks this machine can run without oversubscribing: the CPUs this process may use
 * (affinity, as os.availableParallelism() reports it), further limited by a cgroup CPU quota, as
 * in a container or a Slurm/PBS cgroup.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Reads a file, or undefined when it cannot be read. */
export type ReadText = (path: string) => string | undefined;

const readTextOrUndefined: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** The CPU limit a cgroup v2 `cpu.max` or v1 `cpu.cfs_*` quota sets, or undefined when unlimited. */
export function cgroupCpuLimit(read: ReadText = readTextOrUndefined): number | undefined {
  const v2 = read('/sys/fs/cgroup/cpu.max')?.trim().split(/\s+/);
  if (v2 !== undefined && v2[0] !== undefined && v2[0] !== 'max') {
    const quota = Number(v2[0]);
    const period = Number(v2[1] ?? 100000);
    if (quota > 0 && period > 0) return Math.max(1, Math.ceil(quota / period));
  }
  const quota = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
  const period = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
  if (quota > 0 && period > 0) return Math.max(1, Math.ceil(quota / period));
  return undefined;
}

/** Number of cores this process may use. */
export function availableCores(read: ReadText = readTextOrUndefined): number {
  const affinity = availableParallelism();
  const quota = cgroupCpuLimit(read);
  return quota === undefined ? affinity : Math.min(affinity, quota);
}
