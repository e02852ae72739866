/**
 * The address a node's ranks accept tcp connections on, for jobs that span nodes. --iface names
 * an interface or a CIDR block; without it, the first IPv4 address that is neither loopback nor a
 * container bridge is used, so that a name resolving to 127.0.1.1 never becomes a dead end.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { TsmpiError } from '../../src/errors.js';

// Interfaces that only reach this machine or its containers.
const SKIPPED_BY_DEFAULT = /^(lo|docker\d*|br-.*|virbr\d*|veth.*|cni.*|flannel.*|podman\d*)$/;

function inCidr(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/') as [string, string];
  const bits = Number(bitsText);
  const toNumber = (ip: string): number => ip.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toNumber(address) & mask) === (toNumber(base) & mask);
}

/**
 * Chooses the address to bind on this node.
 * @param iface - an interface name, an IPv4 CIDR block, or undefined for the default rule
 * @throws TsmpiError ERR_HOST when nothing matches (naming the interfaces there are)
 */
export function selectAddress(
  iface: string | undefined,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
  host = 'this host',
): string {
  const candidates = Object.entries(interfaces).flatMap(([name, infos]) =>
    (infos ?? []).filter((info) => info.family === 'IPv4').map((info) => ({ name, address: info.address, internal: info.internal })),
  );
  const isCidr = iface !== undefined && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(iface);
  const chosen = candidates.find((candidate) =>
    iface === undefined
      ? !candidate.internal && !SKIPPED_BY_DEFAULT.test(candidate.name)
      : isCidr
        ? inCidr(candidate.address, iface)
        : candidate.name === iface,
  );
  if (chosen !== undefined) return chosen.address;
  const available = candidates.map((c) => `${c.name} ${c.address}`).join(', ') || 'none';
  throw new TsmpiError(
    'ERR_HOST',
    iface === undefined
      ? `${host} has no network interface other ranks could reach (only loopback or container bridges: ${available}); choose one with --iface`
      : `${host} has no IPv4 interface matching --iface ${iface} (it has: ${available})`,
  );
}
