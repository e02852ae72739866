/**
 * Which hosts a job runs on, in the order mpirun users expect: --hostfile or --host; else the
 * Slurm allocation; else the PBS job; else this machine alone.
 */
import { availableCores } from '../../src/runtime/available-cores.js';
import { parseHostOption, readHostfile } from './hostfile.js';
import type { HostSlots, HostSource } from './host-slots.js';
import { pbsHosts } from './pbs-allocation.js';
import { slurmHosts } from './slurm-allocation.js';

/** The host list and where it came from. */
export interface DiscoveredHosts {
  readonly hosts: readonly HostSlots[];
  readonly source: HostSource;
}

/** What discovery looks at. */
export interface HostRequest {
  readonly hostfile?: string;
  readonly host?: string;
  readonly env: NodeJS.ProcessEnv;
}

/** The name that stands for this machine in a local job. */
export const LOCAL_HOST = 'localhost';

/**
 * Finds the job's hosts.
 * @throws TsmpiError ERR_HOSTFILE / ERR_USAGE for a malformed source
 */
export function discoverHosts(request: HostRequest): DiscoveredHosts {
  if (request.hostfile !== undefined) return { hosts: readHostfile(request.hostfile), source: 'hostfile' };
  if (request.host !== undefined) return { hosts: parseHostOption(request.host), source: 'host-option' };
  const slurm = slurmHosts(request.env);
  if (slurm !== undefined) return { hosts: slurm, source: 'slurm' };
  const pbs = pbsHosts(request.env);
  if (pbs !== undefined) return { hosts: pbs, source: 'pbs' };
  return { hosts: [{ name: LOCAL_HOST, slots: availableCores() }], source: 'local' };
}
