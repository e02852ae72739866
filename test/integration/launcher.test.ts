/**
 * tsmpiexec on one machine: starting N ranks of each program kind, the per-rank environment,
 * output handling, stdin, -x and --wdir, and the command-line errors that start nothing.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { availableCores, launch } from 'tsmpi/launcher';
import { spawnSync } from 'node:child_process';
import { MMAP_THRESHOLD_BYTES, TRIM_THRESHOLD_BYTES } from '../../launcher/job/malloc-tuning.js';
import { assertNoProcessLeft, fixture, MARKER_VARIABLE, ROOT, runTsmpiexec, startTsmpiexec } from '../helpers/run-tsmpiexec.js';

interface Seen {
  rank: number;
  size: number;
  cwd: string;
  args: string[];
  env: Record<string, string | undefined>;
}

const parseSeen = (stdout: string): Seen[] =>
  stdout.trim().split('\n').map((line) => JSON.parse(line) as Seen).sort((a, b) => a.rank - b.rank);

describe('tsmpiexec on one machine', { timeout: 300_000 }, () => {
  for (const size of [1, 2, 4, 8]) {
    it(`runs examples/hello.ts as ${size} ranks`, { timeout: 60_000 }, async () => {
      const result = await runTsmpiexec(['--oversubscribe', '-np', String(size), 'examples/hello.ts']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(
        result.stdout.trim().split('\n').sort(),
        Array.from({ length: size }, (_, r) => `I am rank ${r} in group of ${size} processes.`).sort(),
      );
      assert.equal(result.stderr, '');
    });
  }

  it('gives each rank its identity in the variables Open MPI and MPICH scripts read', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['-n', '2', '-x', 'EXPORTED=yes', fixture('environment.ts'), 'a', '--flag', 'b c'], {
      env: { GLIBC_TUNABLES: undefined, TSMPI_MALLOC_TUNING: undefined },
    });
    assert.equal(result.code, 0, result.stderr);
    const seen = parseSeen(result.stdout);
    assert.equal(seen.length, 2);
    for (const [rank, info] of seen.entries()) {
      assert.equal(info.rank, rank);
      assert.equal(info.size, 2);
      assert.deepEqual(info.args, ['a', '--flag', 'b c']);
      assert.deepEqual(info.env, {
        TSMPI_RANK: String(rank),
        TSMPI_SIZE: '2',
        TSMPI_LOCAL_RANK: String(rank),
        TSMPI_LOCAL_SIZE: '2',
        OMPI_COMM_WORLD_RANK: String(rank),
        OMPI_COMM_WORLD_SIZE: '2',
        OMPI_COMM_WORLD_LOCAL_RANK: String(rank),
        PMI_RANK: String(rank),
        PMI_SIZE: '2',
        EXPORTED: 'yes',
        GLIBC_TUNABLES: `glibc.malloc.mmap_threshold=${MMAP_THRESHOLD_BYTES}:glibc.malloc.trim_threshold=${TRIM_THRESHOLD_BYTES}`,
      });
    }
  });

  it('keeps the user\'s own GLIBC_TUNABLES, tunes no executable, and tunes nothing with TSMPI_MALLOC_TUNING=off', { timeout: 60_000 }, async () => {
    const own = 'glibc.malloc.trim_threshold=1000:glibc.malloc.arena_max=2';
    const kept = await runTsmpiexec(['-np', '1', fixture('environment.ts')], { env: { GLIBC_TUNABLES: own, TSMPI_MALLOC_TUNING: undefined } });
    assert.equal(kept.code, 0, kept.stderr);
    assert.equal(parseSeen(kept.stdout)[0]?.env.GLIBC_TUNABLES, `${own}:glibc.malloc.mmap_threshold=${MMAP_THRESHOLD_BYTES}`);
    const off = await runTsmpiexec(['-np', '1', fixture('environment.ts')], { env: { GLIBC_TUNABLES: undefined, TSMPI_MALLOC_TUNING: 'off' } });
    assert.equal(off.code, 0, off.stderr);
    assert.equal(parseSeen(off.stdout)[0]?.env.GLIBC_TUNABLES, undefined);
    const executable = await runTsmpiexec(['-np', '1', 'env'], { env: { GLIBC_TUNABLES: undefined, TSMPI_MALLOC_TUNING: undefined } });
    assert.equal(executable.code, 0, executable.stderr);
    assert.match(executable.stdout, /^TSMPI_RANK=0$/m);
    assert.doesNotMatch(executable.stdout, /GLIBC_TUNABLES/);
  });

  it('exports a variable by name with -x VAR and runs in --wdir', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-wdir-'));
    try {
      const result = await runTsmpiexec(['-np', '1', '-x', 'EXPORTED', '--wdir', dir, fixture('environment.ts')], {
        env: { EXPORTED: 'from-parent' },
      });
      assert.equal(result.code, 0, result.stderr);
      const [seen] = parseSeen(result.stdout);
      assert.equal(seen?.cwd, dir);
      assert.equal(seen?.env.EXPORTED, 'from-parent');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('defaults -np to the usable cores', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['examples/hello.ts']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').length, availableCores());
  });

  it('runs any executable, as mpirun does (tsmpiexec -np 2 hostname)', { timeout: 30_000 }, async () => {
    const result = await runTsmpiexec(['-np', '2', 'hostname']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.equal(lines[0], lines[1]);
  });

  it('runs TypeScript programs with its own loader, compiling into a fresh cache, and with TSMPI_TS_LOADER=tsx', { timeout: 60_000 }, async () => {
    const cacheParent = mkdtempSync(join(tmpdir(), 'tsmpi-loader-test-'));
    const expected = ['rank 0: square circle fixtures/typescript-features.ts total 5', 'rank 1: square circle fixtures/typescript-features.ts total 5'];
    try {
      // A cache of its own: nothing compiled yet, so the ranks compile (and esbuild must not linger).
      for (const env of [{ XDG_CACHE_HOME: cacheParent }, { XDG_CACHE_HOME: cacheParent }, { TSMPI_TS_LOADER: 'tsx' }]) {
        const result = await runTsmpiexec(['-np', '2', fixture('typescript-features.ts')], { env });
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(result.stdout.trim().split('\n').sort(), expected, JSON.stringify(env));
      }
      const cached = readdirSync(join(cacheParent, 'tsmpi', 'typescript')).length;
      assert.ok(cached >= 2, `the loader cached ${cached} compiled files`);
    } finally {
      rmSync(cacheParent, { recursive: true, force: true });
    }
  });

  it('runs ranks from the bundle: preloads, tsmpi and tsmpi/launcher all from dist/bundle, one TsmpiError class', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['-np', '2', fixture('bundle-paths.ts')]);
    assert.equal(result.code, 0, result.stderr);
    const bundle = new URL('../../dist/bundle/', import.meta.url).href;
    for (const line of result.stdout.trim().split('\n')) {
      const seen = JSON.parse(line) as { preloads: string[]; tsmpi: string; launcher: string; sameErrorClass: boolean };
      assert.deepEqual(seen.preloads, [`${bundle}rank-preload.js`, `${bundle}register-typescript.js`]);
      assert.equal(seen.tsmpi, `${bundle}tsmpi.js`);
      assert.equal(seen.launcher, `${bundle}launcher.js`);
      assert.equal(seen.sameErrorClass, true, 'an error from tsmpi/launcher must be an instance of the TsmpiError that tsmpi exports');
    }
    assert.equal(result.stdout.trim().split('\n').length, 2);
  });

  it('runs .mjs programs and executables given by path', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-prog-'));
    try {
      writeFileSync(join(dir, 'plain.mjs'), 'console.log(`js rank ${process.env.TSMPI_RANK}`);\n');
      writeFileSync(join(dir, 'script.sh'), '#!/bin/sh\necho "sh rank $OMPI_COMM_WORLD_RANK"\n');
      chmodSync(join(dir, 'script.sh'), 0o755);
      const js = await runTsmpiexec(['-np', '2', join(dir, 'plain.mjs')]);
      assert.equal(js.code, 0, js.stderr);
      assert.deepEqual(js.stdout.trim().split('\n').sort(), ['js rank 0', 'js rank 1']);
      const sh = await runTsmpiexec(['-np', '2', join(dir, 'script.sh')]);
      assert.equal(sh.code, 0, sh.stderr);
      assert.deepEqual(sh.stdout.trim().split('\n').sort(), ['sh rank 0', 'sh rank 1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps lines whole and tags them with --tag-output', { timeout: 60_000 }, async () => {
    // Each rank writes many long lines in small pieces; no line may mix two ranks.
    const script = 'for i in $(seq 1 200); do printf "rank%s-" $TSMPI_RANK; printf "%0400d" 0; printf "\\n"; done; printf "no newline at end"';
    const result = await runTsmpiexec(['--tag-output', '-np', '2', 'sh', '-c', script]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 2 * 201);
    for (const line of lines) {
      const match = /^\[(\d)\] (?:rank(\d)-0{400}|no newline at end)$/.exec(line);
      assert.ok(match, `mixed or malformed line: ${line.slice(0, 60)}...`);
      if (match[2] !== undefined) assert.equal(match[1], match[2]);
    }
  });

  it('finishes the job when its output reader goes away (tsmpiexec ... | head)', { timeout: 60_000 }, async () => {
    const run = startTsmpiexec(['-np', '2', 'sh', '-c', 'yes | head -200000; echo "rank $TSMPI_RANK done" >&2']);
    // Read a little, then stop reading for good, as `head -1` does.
    run.child.stdout?.once('data', () => run.child.stdout?.destroy());
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /rank 0 done/);
    assert.match(result.stderr, /rank 1 done/);
    await assertNoProcessLeft(run.marker);
  });

  it('gives standard input to rank 0 only', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['-np', '2', fixture('echo-stdin.ts')], { input: 'line one\nline two\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n').sort(), [
      'rank 0 read "line one\\nline two\\n"',
      'rank 1 read ""',
    ]);
  });

  it('runs a program alone, without tsmpiexec, as a job of one rank', { timeout: 30_000 }, async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TSMPI_')));
    const alone = spawnSync(process.execPath, ['--import', 'tsx', 'examples/hello.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 20_000 });
    assert.equal(alone.status, 0, alone.stderr);
    assert.equal(alone.stdout, 'I am rank 0 in group of 1 processes.\n');
  });

  it('refuses with ERR_JOB when TSMPI_* variables are inherited by a process that is not a rank', { timeout: 30_000 }, async () => {
    const env = { ...process.env, TSMPI_CONTROL_FD: '3', TSMPI_RANK: '0', TSMPI_SIZE: '2' };
    const stray = spawnSync(process.execPath, ['--import', 'tsx', 'examples/hello.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 20_000 });
    assert.equal(stray.status, 1);
    assert.match(stray.stderr, /TsmpiError: TSMPI_CONTROL_FD=3 is set but that descriptor is not tsmpiexec's control channel/);
  });

  const badCommandLines: [string, string[], RegExp][] = [
    ['an unknown option', ['--bogus', '-np', '2', 'examples/hello.ts'], /Unknown argument: bogus/],
    ['-np 0', ['-np', '0', 'examples/hello.ts'], /-np must be a whole number of at least 1 \(got "0"\)/],
    ['-np abc', ['-np', 'abc', 'examples/hello.ts'], /-np must be a whole number of at least 1 \(got "abc"\)/],
    ['a missing program', ['-np', '2', 'does-not-exist.ts'], /program does-not-exist\.ts does not exist or cannot be read/],
    ['no program', ['-np', '2'], /no program was given/],
    ['an unknown executable', ['-np', '2', 'no-such-command-xyz'], /program no-such-command-xyz was not found in PATH/],
    ['-x without a value that is unset', ['-x', 'SURELY_UNSET_VAR_123', 'hostname'], /SURELY_UNSET_VAR_123 is not set/],
    ['a negative --timeout', ['--timeout', '-1', 'hostname'], /--timeout must be a positive number/],
    ['a --wdir that does not exist', ['--wdir', '/nonexistent/dir', 'hostname'], /working directory \/nonexistent\/dir does not exist/],
  ];
  for (const [what, args, message] of badCommandLines) {
    it(`refuses ${what} with exit 2, a message and the usage, starting nothing`, { timeout: 30_000 }, async () => {
      const result = await runTsmpiexec(args);
      assert.equal(result.code, 2);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /Usage: tsmpiexec \[options\] program/);
      assert.equal(result.stdout, '');
    });
  }

  it('refuses more ranks than cores without --oversubscribe', { timeout: 30_000 }, async () => {
    const result = await runTsmpiexec(['-np', String(availableCores() + 1), 'hostname']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /ranks were requested but this machine has \d+ usable cores?; pass --oversubscribe/);
    assert.equal(result.stdout, '');
  });

  it('documents every option in --help', { timeout: 30_000 }, async () => {
    const result = await runTsmpiexec(['--help']);
    assert.equal(result.code, 0);
    for (const option of ['--np', '--oversubscribe', '-x', '--wdir', '--tag-output', '--timeout', '--help', '--version']) {
      assert.ok(result.stdout.includes(option), `--help does not mention ${option}`);
    }
  });

  it('is a library: launch() resolves with every rank\'s exit status', { timeout: 60_000 }, async () => {
    const chunks: string[] = [];
    const sink = { write: (text: string) => (chunks.push(text), true), once: () => sink, removeListener: () => sink };
    const marker = randomUUID();
    const result = await launch({
      np: 2,
      program: fixture('fail.ts'),
      args: ['exit', '1', '5'],
      env: { [MARKER_VARIABLE]: marker },
      stdout: sink,
      stderr: sink,
    });
    await assertNoProcessLeft(marker);
    assert.equal(result.exitCode, 5);
    assert.equal(result.reason, 'rank-failed');
    assert.equal(result.ranks.length, 2);
    assert.equal(result.ranks[1]?.code, 5);
    assert.equal(result.ranks[1]?.stoppedByLauncher, false);
    assert.equal(result.ranks[0]?.stoppedByLauncher, true);
    assert.match(chunks.join(''), /rank 1 on \S+ \(pid \d+\) exited with code 5; aborting the job/);
    await assert.rejects(launch({ np: 0, program: 'hostname' }), { code: 'ERR_USAGE' });
  });
});
