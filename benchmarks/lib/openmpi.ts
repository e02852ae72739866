/**
 * Open MPI for the side-by-side columns: finds mpicc and mpirun, installs Debian's openmpi-bin,
 * libopenmpi-dev and python3-mpi4py when any is missing and this process may (root with
 * apt-get), compiles the C programs in benchmarks/openmpi/ (compile-c.ts), and says why a
 * column is skipped when it cannot run it. mpi4py only matters to the start-up column, so its
 * absence leaves the others running.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compileC } from './compile-c.js';

/** How Open MPI runs here, or why it does not. */
export type OpenMpi =
  | {
      readonly available: true;
      /** Runs `program args` under mpirun with `np` ranks over `transport`. */
      readonly command: (np: number, transport: 'shm' | 'tcp', program: string, args: readonly string[]) => [string, string[]];
      /** Compiled benchmark programs, by source name without `.c`. */
      readonly programs: Readonly<Record<string, string>>;
      readonly env: NodeJS.ProcessEnv;
      /** Why {@link SYSTEM_PYTHON} cannot import mpi4py, or undefined when it can. */
      readonly mpi4pyMissing: string | undefined;
    }
  | { readonly available: false; readonly reason: string };

/**
 * The Python that Debian's python3-mpi4py is installed for: a python3 earlier on PATH (pyenv's,
 * say) does not see it.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

const PACKAGES = ['openmpi-bin', 'libopenmpi-dev', 'python3-mpi4py'];
const SOURCES = ['osu-p2p', 'osu-collectives'];
const has = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const hasOpenMpi = (): boolean => has('mpicc') && has('mpirun');
const hasMpi4py = (): boolean => spawnSync(SYSTEM_PYTHON, ['-c', 'import mpi4py'], { stdio: 'ignore' }).status === 0;

let prepared: OpenMpi | undefined;

/** Prepares Open MPI once per process (installing it if missing and allowed). */
export function openMpi(): OpenMpi {
  prepared ??= prepare();
  return prepared;
}

function prepare(): OpenMpi {
  // One installation brings all the packages, so a missing mpi4py alone is reason to install.
  const notInstalled = hasOpenMpi() && hasMpi4py() ? undefined : install();
  if (!hasOpenMpi()) {
    const reason = notInstalled === undefined ? 'Open MPI was installed but mpicc/mpirun are not on PATH' : `Open MPI is not installed (${notInstalled})`;
    return { available: false, reason };
  }
  const mpi4pyMissing = hasMpi4py()
    ? undefined
    : notInstalled === undefined
      ? `python3-mpi4py was installed but ${SYSTEM_PYTHON} cannot import mpi4py`
      : `${SYSTEM_PYTHON} cannot import mpi4py (${notInstalled})`;
  const programs: Record<string, string> = {};
  for (const name of SOURCES) {
    const compiled = compileC('mpicc', fileURLToPath(new URL(`../openmpi/${name}.c`, import.meta.url)));
    if ('reason' in compiled) return { available: false, reason: compiled.reason };
    programs[name] = compiled.binary;
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
  return { available: true, command, programs, env, mpi4pyMissing };
}

/** Installs the packages; returns why not when it cannot. */
function install(): string | undefined {
  if (process.getuid?.() !== 0 || !has('apt-get')) {
    return `install ${PACKAGES.join(' ')}; the benchmark installs them itself only as root with apt-get`;
  }
  console.log(`installing ${PACKAGES.join(' ')} for the Open MPI and mpi4py columns ...`);
  const result = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', ...PACKAGES], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return result.status === 0 ? undefined : `apt-get could not install ${PACKAGES.join(' ')}: ${result.stderr.trim().split('\n').at(-1) ?? ''}`;
}
