/**
 * A host and how many ranks it takes: what every host source (hostfile, --host, Slurm, PBS)
 * produces and placement consumes.
 */

/** One host of the job's host list. */
export interface HostSlots {
  /** The name to reach it by (ssh destination, Slurm node name). */
  readonly name: string;
  /** Ranks it takes before it counts as oversubscribed. */
  readonly slots: number;
  /** Ranks it may never exceed, even with --oversubscribe (Open MPI's max_slots). */
  readonly maxSlots?: number;
}

/** Where the host list came from, for --verbose and messages. */
export type HostSource = 'hostfile' | 'host-option' | 'slurm' | 'pbs' | 'local';

/**
 * Merges repeated names (in order of first appearance) by adding their slots, as Open MPI does
 * for a host named on several lines.
 */
export function mergeHosts(hosts: readonly HostSlots[]): HostSlots[] {
  const merged = new Map<string, { slots: number; maxSlots?: number }>();
  for (const host of hosts) {
    const existing = merged.get(host.name);
    if (existing === undefined) {
      merged.set(host.name, { slots: host.slots, ...(host.maxSlots === undefined ? {} : { maxSlots: host.maxSlots }) });
    } else {
      existing.slots += host.slots;
      if (host.maxSlots !== undefined) existing.maxSlots = (existing.maxSlots ?? 0) + host.maxSlots;
    }
  }
  return [...merged].map(([name, host]) => ({ name, ...host }));
}
