/**
 * Every endpoint that given processes listen on, found the way an outsider on the machine would:
 * the sockets in /proc/PID/fd matched against the listening sockets of /proc/net/tcp and
 * /proc/net/unix.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1] as string);
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

function ipv4(hex: string): string {
  // /proc/net/tcp writes the address as a little-endian 32-bit hex number.
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

/** The ZeroMQ-style endpoints (tcp://ip:port, ipc:///path) that `pids` listen on. */
export function listeningEndpoints(pids: readonly number[]): string[] {
  const inodes = new Set(pids.flatMap((pid) => [...socketInodes(pid)]));
  const endpoints: string[] = [];
  for (const line of readFileSync('/proc/net/tcp', 'latin1').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address is field 1, st field 3 (0A = LISTEN), inode field 9.
    if (fields.length < 10 || fields[3] !== '0A' || !inodes.has(fields[9] as string)) continue;
    const [address, port] = (fields[1] as string).split(':') as [string, string];
    endpoints.push(`tcp://${ipv4(address)}:${parseInt(port, 16)}`);
  }
  for (const line of readFileSync('/proc/net/unix', 'latin1').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // Flags 00010000 is __SO_ACCEPTCON: a listening socket; Inode field 6, Path field 7.
    if (fields.length < 8 || fields[3] !== '00010000' || !inodes.has(fields[6] as string)) continue;
    const path = fields[7] as string;
    if (!path.startsWith('@')) endpoints.push(`ipc://${path}`);
  }
  return endpoints.sort();
}
