/**
 * Whole jobs: the wall time of `tsmpiexec -np 1/2/4/8` running a hello program from start to
 * exit, next to `mpirun -np 4 python3 hello.py` with mpi4py, one bare `node -e 0` and the floor of
 * any launcher of Node ranks (a Node process starting four bare ones); and a
 * rank's peak memory next to the same program run by Node without tsmpi. Programs run from a
 * scratch project that depends on tsmpi the way a user's does (node_modules/tsmpi, the built
 * package), not through this repository's TypeScript sources.
 *
 *   node --import tsx benchmarks/startup.ts [--quick] [--runs N] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openMpi, SYSTEM_PYTHON } from './lib/openmpi.js';
import { runCount, runForRecords, summarizeRuns, writeJsonIfAsked, type Measurement } from './lib/records.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
// Whole jobs are short and noisy: more runs than the other suites make.
const runs = runCount({ quick: 3, full: 10 });
// The quick mode keeps np 4 (the target's) and np 1, so that `npm run bench -- --quick` stays under a minute.
const NPS = process.argv.includes('--quick') ? [1, 4] : [1, 2, 4, 8];

const project = mkdtempSync(join(tmpdir(), 'tsmpi-startup-'));
const raw: Measurement[] = [];
try {
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'startup-bench', private: true, type: 'module' }));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(here('..'), join(project, 'node_modules', 'tsmpi'), 'dir');
  for (const file of ['hello-rank.ts', 'memory-rank.ts', 'memory-bare.ts', 'memory-work.ts']) copyFileSync(here(`./${file}`), join(project, file));

  const wallSeconds = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number => {
    const start = performance.now();
    const result = spawnSync(command, args, { cwd: project, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] });
    const seconds = (performance.now() - start) / 1000;
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
    return seconds;
  };
  const tsmpiexec = here('../dist/bundle/tsmpiexec.js');
  const mpi = openMpi();
  const mpi4pyMissing = mpi.available ? mpi.mpi4pyMissing : mpi.reason;
  if (mpi4pyMissing !== undefined) console.log(`mpi4py column skipped: ${mpi4pyMissing}`);
  const record = (bench: string, impl: string, np: number, value: number, unit: string): void => {
    raw.push({ bench, impl, np, size: 0, value, unit });
  };

  for (let round = 0; round < runs; round++) {
    for (const np of NPS) {
      record('start-up and shut-down', 'tsmpi', np, wallSeconds(process.execPath, [tsmpiexec, '--oversubscribe', '-np', String(np), 'hello-rank.ts']), 's');
    }
    if (mpi.available && mpi4pyMissing === undefined) {
      const [command, args] = mpi.command(4, 'shm', SYSTEM_PYTHON, [here('./openmpi/hello.py')]);
      record('start-up and shut-down', 'mpi4py (mpirun python3)', 4, wallSeconds(command, args, mpi.env), 's');
    }
    record('start-up and shut-down', 'node -e 0', 1, wallSeconds(process.execPath, ['-e', '0']), 's');
    record('start-up and shut-down', 'node starting 4 x node -e 0', 4, wallSeconds(process.execPath, [here('./bare-node-launcher.mjs'), '4']), 's');
  }

  for (let round = 0; round < Math.min(runs, 3); round++) {
    const perRank = runForRecords(process.execPath, [tsmpiexec, '-np', '2', 'memory-rank.ts'], { cwd: project });
    raw.push({ ...(perRank[0] as Measurement), value: Math.max(...perRank.map((r) => r.value)) });
    // The TypeScript hooks ranks run with, so that the only difference is tsmpi.
    const loader = pathToFileURL(here('./typescript-hooks-only.mjs')).href;
    raw.push(...runForRecords(process.execPath, ['--import', loader, 'memory-bare.ts'], { cwd: project }).map((r) => ({ ...r, np: 2 })));
  }
} finally {
  rmSync(project, { recursive: true, force: true });
}

const records = summarizeRuns(raw);
console.log(`whole jobs: wall time of a hello program from start to exit (median of ${runs}), peak RSS, ${new Date().toISOString().slice(0, 10)}`);
for (const r of records) {
  const spread = r.min !== undefined && r.max !== undefined ? `  (${r.min.toFixed(2)}-${r.max.toFixed(2)})` : '';
  console.log(`${r.bench.padEnd(24)} ${r.impl.padEnd(28)} np ${String(r.np).padEnd(2)} ${r.value.toFixed(r.unit === 's' ? 3 : 1).padStart(8)} ${r.unit}${spread}`);
}
writeJsonIfAsked(records);
