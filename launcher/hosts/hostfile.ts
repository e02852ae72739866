/**
 * Hostfiles in the formats of both Open MPI (`node1 slots=4 max_slots=8`, `#` comments) and
 * MPICH (`node1:4`). A host without a count has one slot. A malformed line is an error naming the
 * file and the line.
 */
import { readFileSync } from 'node:fs';
import { TsmpiError } from '../../src/errors.js';
import { mergeHosts, type HostSlots } from './host-slots.js';

const HOST_NAME = /^[A-Za-z0-9_.\-[\]:%]+$/;

function positiveInteger(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 1 ? value : undefined;
}

/**
 * Parses hostfile text.
 * @throws TsmpiError ERR_HOSTFILE naming `fileName`, the line number and what is wrong
 */
export function parseHostfile(text: string, fileName: string): HostSlots[] {
  const hosts: HostSlots[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '') return;
    const fail = (why: string): never => {
      throw new TsmpiError('ERR_HOSTFILE', `${fileName}:${index + 1}: ${why}: ${JSON.stringify(rawLine.trim())}`);
    };
    const [first, ...attributes] = line.split(/\s+/) as [string, ...string[]];
    let name = first;
    let slots: number | undefined;
    let maxSlots: number | undefined;
    // MPICH's name:count (an IPv6 address has several colons and is left alone).
    const mpich = /^([^:]+):(\S+)$/.exec(first);
    if (mpich !== null) {
      name = mpich[1] as string;
      slots = positiveInteger(mpich[2] as string) ?? fail('the count after ":" must be a whole number of at least 1');
    }
    if (!HOST_NAME.test(name)) fail(`${JSON.stringify(name)} is not a host name`);
    for (const attribute of attributes) {
      const [key, value = ''] = attribute.split('=', 2) as [string, string?];
      if (key === 'slots' || key === 'cpu' || key === 'cpus') {
        slots = positiveInteger(value) ?? fail(`${key}= must be a whole number of at least 1`);
      } else if (key === 'max_slots' || key === 'max-slots') {
        maxSlots = positiveInteger(value) ?? fail('max_slots= must be a whole number of at least 1');
      } else {
        fail(`unknown attribute ${JSON.stringify(attribute)} (expected slots=N or max_slots=N)`);
      }
    }
    slots ??= 1;
    if (maxSlots !== undefined && maxSlots < slots) fail(`max_slots=${maxSlots} is less than slots=${slots}`);
    hosts.push({ name, slots, ...(maxSlots === undefined ? {} : { maxSlots }) });
  });
  if (hosts.length === 0) throw new TsmpiError('ERR_HOSTFILE', `${fileName}: the hostfile names no host`);
  return mergeHosts(hosts);
}

/**
 * Reads and parses a hostfile.
 * @throws TsmpiError ERR_HOSTFILE when it cannot be read or is malformed
 */
export function readHostfile(path: string): HostSlots[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TsmpiError('ERR_HOSTFILE', `hostfile ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  return parseHostfile(text, path);
}

/**
 * Parses the --host option: comma-separated `name` or `name:slots`; a name given n times has n
 * slots (Open MPI's habit).
 * @throws TsmpiError ERR_USAGE on a malformed entry
 */
export function parseHostOption(text: string): HostSlots[] {
  const hosts = text.split(',').map((entry): HostSlots => {
    const match = /^([^:\s]+)(?::(\d+))?$/.exec(entry.trim());
    const slots = match?.[2] === undefined ? 1 : Number(match[2]);
    if (match === null || !HOST_NAME.test(match[1] as string) || slots < 1) {
      throw new TsmpiError('ERR_USAGE', `--host: ${JSON.stringify(entry)} is not "name" or "name:slots"`);
    }
    return { name: match[1] as string, slots };
  });
  return mergeHosts(hosts);
}
