/**
 * Where each rank runs. By slot (the default) fills each host's slots in order before the next;
 * by node deals ranks round-robin over the hosts; --npernode puts exactly N on each host.
 * More ranks than slots is refused unless oversubscribing, and max_slots is never exceeded.
 */
import { TsmpiError } from '../../src/errors.js';
import type { HostSlots } from '../hosts/host-slots.js';

/** How ranks are dealt to hosts. */
export type MapBy = 'slot' | 'node';

/** What placement is asked. */
export interface PlacementRequest {
  readonly hosts: readonly HostSlots[];
  /** Ranks to place; undefined for the default (total slots, or N per node with npernode). */
  readonly np?: number;
  readonly mapBy?: MapBy;
  /** Ranks per host (-ppn / --npernode). */
  readonly perNode?: number;
  readonly oversubscribe?: boolean;
  /** How messages describe the capacity, e.g. "this machine has 2 usable cores". */
  readonly capacity?: (slots: number) => string;
}

/** Where one rank runs. */
export interface RankPlacement {
  /** Index in the host list. */
  readonly host: number;
  /** Rank among the ranks of its host. */
  readonly localRank: number;
  /** Ranks on its host. */
  readonly localSize: number;
}

/**
 * Places the ranks.
 * @throws TsmpiError ERR_OVERSUBSCRIBE when they do not fit; ERR_USAGE for an impossible request
 */
export function placeRanks(request: PlacementRequest): RankPlacement[] {
  const { hosts, perNode } = request;
  const totalSlots = hosts.reduce((sum, host) => sum + host.slots, 0);
  const np = request.np ?? (perNode === undefined ? totalSlots : perNode * hosts.length);
  if (!Number.isInteger(np) || np < 1) throw new TsmpiError('ERR_USAGE', `the number of ranks must be a whole number of at least 1 (got ${String(np)})`);

  let hostOfRank: number[];
  if (perNode !== undefined) {
    if (np > perNode * hosts.length) {
      throw new TsmpiError('ERR_USAGE', `${np} ranks do not fit ${perNode} per node on ${hosts.length} host${hosts.length === 1 ? '' : 's'}`);
    }
    hostOfRank = Array.from({ length: np }, (_, rank) => Math.floor(rank / perNode));
  } else if ((request.mapBy ?? 'slot') === 'slot') {
    hostOfRank = bySlot(hosts, np, request.oversubscribe === true, request.capacity ?? describeSlots);
  } else {
    hostOfRank = byNode(hosts, np, request.oversubscribe === true, request.capacity ?? describeSlots);
  }

  const counts = hosts.map((_, index) => hostOfRank.filter((h) => h === index).length);
  counts.forEach((count, index) => {
    const host = hosts[index] as HostSlots;
    if (count > host.slots && request.oversubscribe !== true) {
      throw new TsmpiError(
        'ERR_OVERSUBSCRIBE',
        `${count} ranks were placed on ${host.name}, which has ${host.slots} slot${host.slots === 1 ? '' : 's'}; pass --oversubscribe to run more ranks than slots`,
      );
    }
    if (host.maxSlots !== undefined && count > host.maxSlots) {
      throw new TsmpiError('ERR_OVERSUBSCRIBE', `${count} ranks were placed on ${host.name}, beyond its max_slots=${host.maxSlots}`);
    }
  });
  const seen = hosts.map(() => 0);
  return hostOfRank.map((host) => ({ host, localRank: seen[host]!++, localSize: counts[host] as number }));
}

function describeSlots(slots: number): string {
  return `the hosts have ${slots} slot${slots === 1 ? '' : 's'} in all`;
}

function tooMany(np: number, hosts: readonly HostSlots[], capacity: (slots: number) => string): TsmpiError {
  const totalSlots = hosts.reduce((sum, host) => sum + host.slots, 0);
  return new TsmpiError('ERR_OVERSUBSCRIBE', `${np} ranks were requested but ${capacity(totalSlots)}; pass --oversubscribe to run more ranks than that`);
}

/** Even oversubscribing, `np` ranks do not fit: every host is full to its max_slots. */
function beyondMaxSlots(np: number): TsmpiError {
  return new TsmpiError('ERR_OVERSUBSCRIBE', `${np} ranks exceed the max_slots of the hosts, which --oversubscribe does not lift`);
}

function bySlot(hosts: readonly HostSlots[], np: number, oversubscribe: boolean, capacity: (slots: number) => string): number[] {
  const totalSlots = hosts.reduce((sum, host) => sum + host.slots, 0);
  if (np > totalSlots && !oversubscribe) throw tooMany(np, hosts, capacity);
  const placement: number[] = [];
  // Fill slots in host order; when oversubscribing, go round again one rank per host at a time.
  hosts.forEach((host, index) => {
    for (let i = 0; i < host.slots && placement.length < np; i++) placement.push(index);
  });
  for (let index = 0; placement.length < np; index = (index + 1) % hosts.length) {
    const host = hosts[index] as HostSlots;
    const placed = placement.filter((h) => h === index).length;
    if (host.maxSlots === undefined || placed < host.maxSlots) placement.push(index);
    else if (hosts.every((h, i) => h.maxSlots !== undefined && placement.filter((p) => p === i).length >= h.maxSlots)) {
      throw beyondMaxSlots(np);
    }
  }
  return placement.sort((a, b) => a - b);
}

function byNode(hosts: readonly HostSlots[], np: number, oversubscribe: boolean, capacity: (slots: number) => string): number[] {
  const used = hosts.map(() => 0);
  const placement: number[] = [];
  for (let round = 0; placement.length < np; round++) {
    let placedThisRound = false;
    hosts.forEach((host, index) => {
      if (placement.length >= np) return;
      const limit = oversubscribe ? (host.maxSlots ?? Infinity) : host.slots;
      if (used[index]! < limit) {
        used[index]!++;
        placement.push(index);
        placedThisRound = true;
      }
    });
    if (!placedThisRound) {
      throw oversubscribe ? beyondMaxSlots(np) : tooMany(np, hosts, capacity);
    }
  }
  return placement;
}
