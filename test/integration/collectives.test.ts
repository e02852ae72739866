/**
 * Collectives and communicators through the real tsmpiexec: property-based checks against a
 * sequential model at np 1 to 8, the bandwidth algorithms on large arrays, isolation of split and
 * dup communicators, and the mistakes users make; both on the board in shared memory (ranks of
 * one node, the default) and by messages.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixture, runTsmpiexec } from '../helpers/run-tsmpiexec.js';

const np = (n: number): string[] => ['--oversubscribe', '-np', String(n)];
// Ranks of one node run collectives on a board in shared memory unless told otherwise; the
// algorithms by messages (which jobs across nodes use) are tested with it switched off.
const BY_MESSAGES = ['-x', 'TSMPI_SHARED_MEMORY=off'];
const transports = { 'on the board': [] as string[], 'by messages': BY_MESSAGES } as const;
const everyRank = (stdout: string, size: number, line: (rank: number) => string): void =>
  assert.deepEqual(stdout.trim().split('\n').sort(), Array.from({ length: size }, (_, r) => line(r)).sort());

describe('collectives', { timeout: 600_000 }, () => {
  // A fresh seed per run widens coverage over time; a failure prints it for reproduction.
  const seed = Number(process.env.TSMPI_PROPERTY_SEED ?? randomInt(1, 2 ** 31));
  for (const size of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`match the sequential model on random values and roots at np ${size} (seed ${seed})`, { timeout: 120_000 }, async () => {
      const runs = size <= 4 ? 60 : 30;
      const result = await runTsmpiexec([...np(size), fixture('collectives-property.ts'), String(seed + size), String(runs)]);
      assert.equal(result.code, 0, `seed ${seed + size}\n${result.stdout}\n${result.stderr}`);
      everyRank(result.stdout, size, (r) => `rank ${r}: ${runs} cases ok`);
    });
  }

  // Which algorithms run depends on whether ranks share cores: --host fixes that whatever this
  // machine's cores (localhost:2 shares them from np 3, localhost:8 never at these sizes).
  for (const [size, slots] of [[4, 2], [7, 2], [4, 8], [8, 8]] as const) {
    const sharing = size > slots ? 'sharing cores' : 'a core each';
    it(`match the sequential model at np ${size} with ranks ${sharing}, by messages (seed ${seed})`, { timeout: 120_000 }, async () => {
      const runs = 30;
      const result = await runTsmpiexec([...BY_MESSAGES, '--host', `localhost:${slots}`, ...np(size), fixture('collectives-property.ts'), String(seed + 100 + size), String(runs)]);
      assert.equal(result.code, 0, `seed ${seed + 100 + size}\n${result.stdout}\n${result.stderr}`);
      everyRank(result.stdout, size, (r) => `rank ${r}: ${runs} cases ok`);
    });
  }

  // Ranks poll the board before they sleep where each has a core (np 2 here); polling where ranks
  // share cores is its worst case, as a rank that polls keeps the core from one it waits for.
  for (const size of [2, 4, 8]) {
    it(`match the sequential model with ranks polling the board (TSMPI_BOARD_SPIN=on, np ${size}, seed ${seed})`, { timeout: 120_000 }, async () => {
      const runs = 20;
      const result = await runTsmpiexec(['-x', 'TSMPI_BOARD_SPIN=on', ...np(size), fixture('collectives-property.ts'), String(seed + 200 + size), String(runs)]);
      assert.equal(result.code, 0, `seed ${seed + 200 + size}\n${result.stdout}\n${result.stderr}`);
      everyRank(result.stdout, size, (r) => `rank ${r}: ${runs} cases ok`);
    });
  }

  it('refuses a TSMPI_BOARD_SPIN that is neither on nor off, naming it', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec(['-x', 'TSMPI_BOARD_SPIN=fast', ...np(2), fixture('barrier-order.ts')]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /rank [01] on \S+ \(pid \d+\) failed with an unhandled rejection: TsmpiError: environment variable TSMPI_BOARD_SPIN=fast is not on or off/);
    assert.doesNotMatch(result.stdout, /barrier ok/);
  });

  for (const [transport, switches] of Object.entries({ ...transports, 'on the board, polling': ['-x', 'TSMPI_BOARD_SPIN=on'] })) {
    for (const [size, slots] of [[4, 2], [7, 2], [4, 8], [5, 8]] as const) {
      it(`let no rank leave a barrier before the last one entered (np ${size}, ${slots} slots, ${transport})`, { timeout: 60_000 }, async () => {
        const result = await runTsmpiexec([...switches, '--host', `localhost:${slots}`, ...np(size), fixture('barrier-order.ts')]);
        assert.equal(result.code, 0, result.stderr);
        everyRank(result.stdout, size, (r) => `rank ${r}: barrier ok`);
      });
    }
  }

  for (const [transport, switches] of Object.entries(transports)) {
    for (const size of [1, 2, 4]) {
      it(`place allreduceInto's result in the caller's buffer and refuse bad buffers at the call (np ${size}, ${transport})`, { timeout: 60_000 }, async () => {
        const result = await runTsmpiexec([...switches, ...np(size), fixture('allreduce-into.ts')]);
        assert.equal(result.code, 0, result.stderr);
        everyRank(result.stdout, size, (r) => `rank ${r}: allreduceInto ok`);
      });
    }
  }

  for (const [transport, switches] of Object.entries(transports)) {
    for (const size of [1, 2, 4]) {
      it(`place reduceInto's result in the root's buffer and report bad buffers (np ${size}, ${transport})`, { timeout: 60_000 }, async () => {
        const result = await runTsmpiexec([...switches, ...np(size), fixture('reduce-into.ts')]);
        assert.equal(result.code, 0, result.stderr);
        everyRank(result.stdout, size, (r) => `rank ${r}: reduceInto ok`);
      });
    }
  }

  // On the board; by messages through one rank (localhost:2 shares cores at np 4), down the
  // binomial tree, and (4 MiB at np 4 with a core each) by scatter + allgather.
  for (const [transport, switches, size, slots] of [
    ['on the board', [], 1, 8],
    ['on the board', [], 2, 8],
    ['on the board', [], 4, 2],
    ['by messages', BY_MESSAGES, 2, 8],
    ['by messages', BY_MESSAGES, 4, 2],
    ['by messages', BY_MESSAGES, 4, 8],
  ] as const) {
    it(`place bcastInto's value in every rank's buffer and report buffers that do not fit (np ${size}, ${slots} slots, ${transport})`, { timeout: 60_000 }, async () => {
      const result = await runTsmpiexec([...switches, '--host', `localhost:${slots}`, ...np(size), fixture('bcast-into.ts')]);
      assert.equal(result.code, 0, result.stderr);
      everyRank(result.stdout, size, (r) => `rank ${r}: bcastInto ok`);
    });
  }

  // The launcher tells the ranks whether they share cores; the trace shows what they chose.
  const algorithms = {
    'sharing cores': ['through one rank', 'through one rank', 'through one rank', 'ring', 'gather + bcast through one rank'],
    'a core each': ['dissemination', 'binomial tree', 'recursive doubling', 'ring', 'gather + bcast'],
    'on one node': Array<string>(5).fill('shared memory'),
  };
  for (const [size, slots, placement] of [[4, 2, 'sharing cores'], [4, 8, 'a core each'], [4, 2, 'on one node']] as const) {
    const switches = placement === 'on one node' ? [] : BY_MESSAGES;
    it(`choose the algorithms for ranks ${placement} and name them in the trace (np ${size}, ${slots} slots)`, { timeout: 60_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tsmpi-algorithms-'));
      try {
        const traceFile = join(dir, 'trace.json');
        const result = await runTsmpiexec([...switches, '--host', `localhost:${slots}`, ...np(size), '--trace', traceFile, fixture('collective-algorithms.ts')]);
        assert.equal(result.code, 0, result.stderr);
        everyRank(result.stdout, size, (r) => `rank ${r}: results ok`);
        const { traceEvents } = JSON.parse(readFileSync(traceFile, 'utf8')) as { traceEvents: { ph: string; pid: number; name: string; args?: { algorithm?: string } }[] };
        for (let rank = 0; rank < size; rank++) {
          const collectives = traceEvents.filter((e) => e.ph === 'X' && e.pid === rank && ['barrier', 'bcast', 'allreduce', 'allgather'].includes(e.name));
          assert.deepEqual(collectives.map((e) => `${e.name}: ${e.args?.algorithm}`), ['barrier', 'bcast', 'allreduce', 'allreduce', 'allgather'].map((call, i) => `${call}: ${algorithms[placement][i]}`), `rank ${rank}`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  // With a core each, large arrays take the bandwidth algorithms; sharing cores, the trees and
  // the bcast from the root.
  for (const [size, slots] of [[3, 8], [4, 8], [7, 8], [4, 2], [7, 2]] as const) {
    const sharing = size > slots ? 'sharing cores' : 'a core each';
    it(`move large arrays at np ${size} with ranks ${sharing}, by messages`, { timeout: 120_000 }, async () => {
      const result = await runTsmpiexec([...BY_MESSAGES, '--host', `localhost:${slots}`, ...np(size), fixture('collectives-large.ts')]);
      assert.equal(result.code, 0, result.stderr);
      everyRank(result.stdout, size, (r) => `rank ${r}: large ok`);
    });
  }
  for (const size of [2, 3, 7]) {
    it(`move large arrays at np ${size} on the board`, { timeout: 120_000 }, async () => {
      const result = await runTsmpiexec(['--host', 'localhost:2', ...np(size), fixture('collectives-large.ts')]);
      assert.equal(result.code, 0, result.stderr);
      everyRank(result.stdout, size, (r) => `rank ${r}: large ok`);
    });
  }

  for (const [transport, switches] of Object.entries(transports)) {
    for (const size of [1, 2, 5]) {
      it(`keep split and dup communicators isolated from each other and from point-to-point (np ${size}, ${transport})`, { timeout: 60_000 }, async () => {
        const result = await runTsmpiexec([...switches, ...np(size), fixture('comm-isolation.ts')]);
        assert.equal(result.code, 0, result.stderr);
        everyRank(result.stdout, size, (r) => `rank ${r}: isolation ok`);
      });
    }
  }
});

describe('collective mistakes', { timeout: 300_000 }, () => {
  // Whichever rank notices says it, from its side: by messages the receiver of an unexpected
  // message, on the board a rank that waited for the other.
  const mistakes: [string, RegExp][] = [
    [
      'different-calls',
      /rank 1 on \S+ \(pid \d+\) failed with an unhandled rejection: TsmpiError: collective call #1 on COMM_WORLD: rank (?:0 called bcast\(root=0\) but rank 1 called allreduce\(\)|1 called allreduce\(\) but rank 0 called bcast\(root=0\))/,
    ],
    ['different-roots', /rank 2 on \S+ .*collective call #1 on COMM_WORLD: rank (?:0 called bcast\(root=0\) but rank 2 called bcast\(root=1\)|2 called bcast\(root=1\) but rank 1 called bcast\(root=0\))/],
    // Whichever side notices first says it, from its side.
    ['skipped-call', /collective call #1 on COMM_WORLD: rank (?:[12] called barrier\(\) but rank 0 called bcast\(root=0\)|0 called bcast\(root=0\) but rank [12] called barrier\(\))/],
    ['scan-among-allreduce', /collective call #1 on COMM_WORLD: rank \d called (?:allreduce\(\) but rank 1 called scan\(\)|scan\(\) but rank \d called allreduce\(\))/],
    ['wrong-count', /rank 0 on .*scatter\(\): needs an array of exactly 3 values \(one per rank\), got 1 values/],
    ['unknown-op', /allreduce\(\): a string is not a reduction operator/],
    ['different-lengths', /allreduce\(SUM\): SUM cannot combine a Float64Array of \d elements with a Float64Array of \d elements/],
  ];
  for (const [transport, switches] of Object.entries(transports)) {
    for (const [mode, message] of mistakes) {
      it(`fail clearly instead of hanging: ${mode} (${transport})`, { timeout: 60_000 }, async () => {
        const result = await runTsmpiexec([...switches, ...np(3), '--timeout', '30', fixture('collective-mistakes.ts'), mode]);
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, message);
        assert.doesNotMatch(result.stderr, /time limit/);
      });
    }
  }
});
