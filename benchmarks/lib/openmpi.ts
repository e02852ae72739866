/**
 * Open MPI for the side-by-side columns: finds mpicc and mpirun, installs Debian's openmpi-bin,
 * libopenmpi-dev and python3-mpi4py when they are missing and this process may (root with
 * apt-get), compiles the C programs in benchmarks/openmpi/ once, and says why the column is
 * skipped when it cannot.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How Open MPI runs here, or why it does not. */
export type OpenMpi =
  | {
      readonly available: true;
      /** Runs `program args` under mpirun with `np` ranks over `transport`. */
      readonly command: (np: number, transport: 'shm' | 'tcp', program: string, args: readonly string[]) => [string, string[]];
      /** Compiled benchmark programs, by source name without `.c`. */
      readonly programs: Readonly<Record<string, string>>;
      readonly env: NodeJS.ProcessEnv;
    }
  | { readonly available: false; readonly reason: string };

const PACKAGES = ['openmpi-bin', 'libopenmpi-dev', 'python3-mpi4py'];
const SOURCES = ['osu-p2p', 'osu-collectives'];
const has = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

let prepared: OpenMpi | undefined;

/** Prepares Open MPI once per process (installing it if missing and allowed). */
export function openMpi(): OpenMpi {
  prepared ??= prepare();
  return prepared;
}

function prepare(): OpenMpi {
  if (!has('mpicc') || !has('mpirun') || !existsSync('/usr/lib/python3/dist-packages/mpi4py')) {
    const installed = install();
    if (installed !== undefined) return { available: false, reason: installed };
  }
  const outDir = join(tmpdir(), 'tsmpi-bench-openmpi');
  mkdirSync(outDir, { recursive: true });
  const programs: Record<string, string> = {};
  for (const name of SOURCES) {
    const source = fileURLToPath(new URL(`../openmpi/${name}.c`, import.meta.url));
    const binary = join(outDir, name);
    if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
      const compiled = spawnSync('mpicc', ['-O2', '-o', binary, source], { encoding: 'utf8' });
      if (compiled.status !== 0) return { available: false, reason: `mpicc failed on ${name}.c: ${compiled.stderr.trim()}` };
    }
    programs[name] = binary;
  }
  // mpirun refuses root unless told twice; the benchmark machine's CI runs as root. PMIx picks
  // its munge security plugin whenever libmunge is installed (Slurm brings it) and, with no munge
  // daemon running, retries for ~2.3 s before falling back: pin the plugin every local job uses
  // anyway so the start-up column measures Open MPI, not a missing daemon.
  const env = {
    ...process.env,
    OMPI_ALLOW_RUN_AS_ROOT: '1',
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
    PMIX_MCA_psec: 'native',
  };
  const command = (np: number, transport: 'shm' | 'tcp', program: string, args: readonly string[]): [string, string[]] => [
    'mpirun',
    [
      '--oversubscribe',
      '-np',
      String(np),
      '--mca',
      'btl',
      transport === 'shm' ? 'self,vader' : 'self,tcp',
      ...(transport === 'tcp' ? ['--mca', 'btl_tcp_if_include', 'lo'] : []),
      program,
      ...args,
    ],
  ];
  return { available: true, command, programs, env };
}

/** Installs the packages; returns why not when it cannot. */
function install(): string | undefined {
  if (process.getuid?.() !== 0 || !has('apt-get')) {
    return `Open MPI is not installed (install ${PACKAGES.join(' ')}; the benchmark installs them itself only as root with apt-get)`;
  }
  console.log(`installing ${PACKAGES.join(' ')} for the Open MPI column ...`);
  const result = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', ...PACKAGES], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) return `apt-get could not install ${PACKAGES.join(' ')}: ${result.stderr.trim().split('\n').at(-1) ?? ''}`;
  return has('mpicc') && has('mpirun') ? undefined : 'Open MPI was installed but mpicc/mpirun are not on PATH';
}
