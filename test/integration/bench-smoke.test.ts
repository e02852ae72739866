/**
 * The benchmark suite runs and its records parse (`npm run bench -- --quick --json FILE --charts DIR`).
 * Speed is never asserted here: benchmarks/ reports it, docs/performance.md states it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertNoProcessLeft, startCommand } from '../helpers/run-tsmpiexec.js';

interface Measurement {
  bench: unknown;
  impl: unknown;
  np: unknown;
  size: unknown;
  value: unknown;
  unit: unknown;
  min?: unknown;
  max?: unknown;
  runs?: unknown;
}

/** The charts docs/performance.md shows. */
const CHARTS = ['bench-p2p-latency.svg', 'bench-p2p-bandwidth.svg', 'bench-allreduce-8.svg', 'bench-bcast-8.svg', 'bench-allreduce-1M.svg', 'bench-barrier-np.svg'];

/** benchmarks/startup.ts repeats whole jobs 3 times even in quick mode; every other suite runs once. */
const WHOLE_JOB_BENCHES = new Set(['start-up and shut-down', 'peak RSS per process']);

describe('benchmark suite', { timeout: 420_000 }, () => {
  it('runs every suite in quick mode and writes well-formed records and charts', { timeout: 400_000 }, async () => {
    // Also the run's TMPDIR (kept short: Unix socket paths live in it), so that no scratch
    // directory of the suites outlives the test, even when the run is killed.
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-bs-'));
    try {
      const json = join(dir, 'bench.json');
      const charts = join(dir, 'charts');
      const bench = startCommand(process.execPath, ['--import', 'tsx', 'benchmarks/run.ts', '--quick', '--json', json, '--charts', charts], {
        env: { TMPDIR: dir },
        timeoutMs: 380_000,
      });
      const outcome = await bench.done.catch((error: Error) => error);
      // A timeout kills only run.ts: whatever it had started (suites, tsmpiexec, ranks, mpirun) is
      // found and killed here, and reported after the run's own failure if it has one.
      const leftBehind = await assertNoProcessLeft(bench.marker).then(() => undefined, (error: Error) => error);
      if (outcome instanceof Error) throw outcome;
      const run = outcome;
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      if (leftBehind !== undefined) throw leftBehind;
      // Figures differ between Node versions: the run names the one it ran on.
      assert.match(run.stdout, new RegExp(`^tsmpi benchmarks \\(quick\\): .*Node ${process.versions.node.replaceAll('.', '\\.')}$`, 'm'));
      assert.match(run.stdout, /^point-to-point, 2 ranks/m);
      assert.match(run.stdout, /^this machine, in C: a system call \d+\.\d+ us, a wake-up across processes \d+\.\d+ us/m);
      assert.match(run.stdout, /^collective time per call/m);
      assert.match(run.stdout, /^pools, \d+ workers/m);
      assert.match(run.stdout, /^whole jobs: wall time/m);
      // Every target is evaluated from this run's figures (whether it is met is not a test's business).
      assert.match(run.stdout, /^targets \(issue #6\)/m);
      assert.doesNotMatch(run.stdout, /^n\/a /m);
      // The latency target is read from the paired runs (seconds apart), not from the whole suite's rows.
      assert.match(run.stdout, /^(met |MISS) 8-byte latency vs raw zeromq\.js .*tsmpi \/ zeromq\.js latency, paired, 8 B/m);
      const records = JSON.parse(readFileSync(json, 'utf8')) as Measurement[];
      assert.ok(records.length > 50, `only ${records.length} records`);
      for (const r of records) {
        assert.equal(typeof r.bench, 'string');
        assert.equal(typeof r.impl, 'string');
        assert.equal(typeof r.unit, 'string');
        for (const n of [r.np, r.size, r.value, r.min, r.max]) assert.ok(typeof n === 'number' && Number.isFinite(n) && n >= 0, JSON.stringify(r));
        // Quick mode's run counts, so that --runs, its defaults and the summaries reach the records.
        assert.equal(r.runs, WHOLE_JOB_BENCHES.has(r.bench as string) ? 3 : 1, JSON.stringify(r));
      }
      const impls = new Set(records.map((r) => r.impl));
      for (const impl of ['tsmpi', 'zeromq.js', 'Open MPI shm', 'Open MPI tcp', 'mpi4py (mpirun python3)', 'tsmpi tcp --encrypt', 'C']) assert.ok(impls.has(impl), `no ${impl} records: ${[...impls].join()}`);
      const benches = new Set(records.map((r) => r.bench));
      for (const bench of ['latency', 'latency, paired', 'latency, array of numbers', 'bandwidth', 'bandwidth, array of numbers', 'bidirectional bandwidth', 'bidirectional bandwidth, array of numbers', 'allreduce', 'bcast', 'start-up and shut-down', 'peak RSS per process', 'system call', 'wake-up across processes']) {
        assert.ok(benches.has(bench), `no ${bench} records`);
      }
      for (const chart of CHARTS) {
        const file = join(charts, chart);
        assert.ok(existsSync(file), `no chart ${chart}`);
        assert.ok(readFileSync(file, 'utf8').startsWith('<svg'), `${chart} is not an SVG file`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
