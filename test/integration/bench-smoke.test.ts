/**
 * The benchmark suite runs and its records parse (`npm run bench -- --quick --json FILE`).
 * Speed is never asserted here: benchmarks/ reports it, docs/performance.md states it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/run-tsmpiexec.js';

interface Measurement {
  bench: unknown;
  impl: unknown;
  np: unknown;
  size: unknown;
  value: unknown;
  unit: unknown;
  min?: unknown;
  max?: unknown;
}

describe('benchmark suite', { timeout: 420_000 }, () => {
  it('runs every suite in quick mode and writes well-formed records', { timeout: 400_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-bench-smoke-'));
    try {
      const json = join(dir, 'bench.json');
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'benchmarks/run.ts', '--quick', '--json', json], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 380_000,
      });
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /^point-to-point, 2 ranks/m);
      assert.match(run.stdout, /^collective time per call/m);
      assert.match(run.stdout, /^pools, \d+ workers/m);
      assert.match(run.stdout, /^whole jobs: wall time/m);
      // Every target is evaluated from this run's figures (whether it is met is not a test's business).
      assert.match(run.stdout, /^targets \(issue #6\)/m);
      assert.doesNotMatch(run.stdout, /^n\/a /m);
      const records = JSON.parse(readFileSync(json, 'utf8')) as Measurement[];
      assert.ok(records.length > 50, `only ${records.length} records`);
      for (const r of records) {
        assert.equal(typeof r.bench, 'string');
        assert.equal(typeof r.impl, 'string');
        assert.equal(typeof r.unit, 'string');
        for (const n of [r.np, r.size, r.value]) assert.ok(typeof n === 'number' && Number.isFinite(n) && n >= 0, JSON.stringify(r));
      }
      const impls = new Set(records.map((r) => r.impl));
      for (const impl of ['tsmpi', 'zeromq.js', 'Open MPI shm', 'Open MPI tcp', 'mpi4py (mpirun python3)', 'tsmpi tcp --encrypt']) assert.ok(impls.has(impl), `no ${impl} records: ${[...impls].join()}`);
      const benches = new Set(records.map((r) => r.bench));
      for (const bench of ['latency', 'bandwidth', 'bidirectional bandwidth', 'allreduce', 'bcast', 'start-up and shut-down', 'peak RSS per process']) {
        assert.ok(benches.has(bench), `no ${bench} records`);
      }
      for (const r of records) assert.ok(typeof r.min === 'number' && typeof r.max === 'number' && (r.min as number) <= (r.value as number) && (r.value as number) <= (r.max as number), JSON.stringify(r));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
