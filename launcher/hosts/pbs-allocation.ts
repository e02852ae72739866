/**
 * The hosts of a PBS (OpenPBS, PBS Pro, Torque) job: PBS_NODEFILE has one line per MPI slot, so
 * `select=3:ncpus=2:mpiprocs=2` lists each of three hosts twice.
 */
import { readFileSync } from 'node:fs';
import { TsmpiError } from '../../src/errors.js';
import { parseHostfile } from './hostfile.js';
import type { HostSlots } from './host-slots.js';

/** The job's hosts, or undefined outside a PBS job. */
export function pbsHosts(env: NodeJS.ProcessEnv, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): HostSlots[] | undefined {
  const nodeFile = env.PBS_NODEFILE;
  if (nodeFile === undefined || nodeFile === '') return undefined;
  let text: string;
  try {
    text = read(nodeFile);
  } catch (error) {
    throw new TsmpiError('ERR_HOSTFILE', `PBS_NODEFILE ${nodeFile} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  // One name per line, repeated once per slot: a hostfile whose repeated names add up.
  return parseHostfile(text, `PBS_NODEFILE ${nodeFile}`);
}
