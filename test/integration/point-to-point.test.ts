/**
 * Point-to-point through the real tsmpiexec: matching order and wildcards, every value type,
 * buffer reuse after send, non-blocking calls, backpressure, bad calls.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixture, runTsmpiexec } from '../helpers/run-tsmpiexec.js';
import { sampleValues } from '../fixtures/lib/sample-values.js';

const SIZES = [1, 2, 4, 8];
const np = (n: number): string[] => ['--oversubscribe', '-np', String(n)];
// Large arrays between ranks of one node go through shared memory unless this switch is off.
const BY_SOCKET = ['-x', 'TSMPI_SHARED_MEMORY=off'];

describe('point-to-point', { timeout: 240_000 }, () => {
  for (const size of SIZES) {
    it(`keeps per-sender order and honours wildcards at np ${size}`, { timeout: 60_000 }, async () => {
      const result = await runTsmpiexec([...np(size), fixture('ordering.ts'), '100']);
      assert.equal(result.code, 0, result.stderr);
      const expected = (size - 1) * 100;
      assert.match(result.stdout, new RegExp(`^ordering ok: ${expected} messages$`, 'm'));
    });
  }

  for (const size of [2, 4]) {
    it(`carries every value type equal and of the same type, and lets the sender reuse buffers (np ${size})`, { timeout: 60_000 }, async () => {
      const result = await runTsmpiexec([...np(size), fixture('value-types.ts')]);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      assert.equal(lines.length, (size - 1) * sampleValues().length, result.stdout);
      assert.deepEqual(lines.filter((line) => !line.startsWith('ok ')), []);
    });
  }

  for (const size of [1, 2, 3, 8]) {
    it(`isend/irecv/waitAll/waitAny/testAll/sendrecv/probe/iprobe work in a ring of ${size}`, { timeout: 60_000 }, async () => {
      const result = await runTsmpiexec([...np(size), fixture('nonblocking.ts')]);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split('\n').sort();
      assert.deepEqual(lines, Array.from({ length: size }, (_, r) => `rank ${r}: nonblocking ok`).sort());
    });
  }

  for (const size of [2, 4]) {
    it(`sends large arrays through shared memory on one node, completing each send once copied (np ${size})`, { timeout: 60_000 }, async () => {
      const result = await runTsmpiexec([...np(size), fixture('lent-buffers.ts')]);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split('\n').sort();
      const expected = Array.from({ length: size }, (_, r) => [`rank ${r}: lanes lane-${r}-${r ^ 1}`, `rank ${r}: lent buffers ok`]).flat();
      assert.deepEqual(lines, expected.sort());
    });

    it(`sends large arrays by socket without a copy, completing each send once the receiver has read it (np ${size})`, { timeout: 60_000 }, async () => {
      const result = await runTsmpiexec([...np(size), ...BY_SOCKET, fixture('lent-buffers.ts')]);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split('\n').sort();
      const expected = Array.from({ length: size }, (_, r) => [`rank ${r}: lanes none`, `rank ${r}: lent buffers ok`]).flat();
      assert.deepEqual(lines, expected.sort());
    });
  }

  for (const [how, flags] of [['through shared memory', []], ['by socket', BY_SOCKET]] as const) {
    it(`receives into the caller's buffer ${how}, and fails a message that does not fit with ERR_TRUNCATE`, { timeout: 60_000 }, async () => {
      const result = await runTsmpiexec([...np(2), ...flags, fixture('recv-into.ts')]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.stdout.trim().split('\n'), [
        'posted before arrival: ok',
        'arrived before the receive: ok',
        'shorter message: ok',
        'larger than a posted buffer: ok',
        'larger than the buffer: ok',
        'not a binary array: ok',
        'not whole elements: ok',
        'after the failures: ok',
        'into a plain array: ok',
        'irecvInto a string throws at the call: ok',
        'from PROC_NULL: ok',
      ]);
    });
  }

  it('delivers every message in order to a receiver far slower than its sender', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec([...np(2), fixture('backpressure.ts'), '20000']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^received all 20005 in order$/m);
  });

  it('exits on its own without finalize(), after delivering what it sent', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec([...np(3), fixture('no-finalize.ts')], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n').sort(), [
      'rank 0 got 2 and self',
      'rank 1 got 0 and self',
      'rank 2 got 1 and self',
    ]);
  });

  it('rejects bad calls with TsmpiError codes that name the cause, and sends nothing', { timeout: 60_000 }, async () => {
    const result = await runTsmpiexec([...np(2), fixture('bad-calls.ts')]);
    assert.equal(result.code, 0, result.stderr);
    const line = (name: string): string => result.stdout.split('\n').find((l) => l.startsWith(`${name}:`)) ?? `${name}: missing`;
    assert.match(line('send to rank size'), /ERR_RANK: send\(\): destination rank 2 is out of range for a communicator of size 2/);
    assert.match(line('send to -5'), /ERR_RANK/);
    assert.match(line('send to 0.5'), /ERR_RANK/);
    assert.match(line('recv from rank size'), /ERR_RANK: recv\(\): source rank 2/);
    assert.match(line('negative tag'), /ERR_TAG: send\(\): tag -3 is invalid/);
    assert.match(line('huge tag'), /ERR_TAG/);
    assert.match(line('isend a function'), /ERR_UNSENDABLE: data\.items\[3\]\.callback is a function, which cannot be sent/);
    assert.match(line('send a symbol'), /ERR_UNSENDABLE: data\[0\] is a symbol/);
    assert.match(line('send a circular structure'), /ERR_UNSENDABLE: data\.self\.back refers back to one of its own containers/);
    assert.match(line('send a class instance'), /ERR_UNSENDABLE: data\.p is an instance of Particle/);
    assert.match(line('waitAny of nothing'), /ERR_ARG: waitAny\(\) needs at least one request/);
    assert.match(line('bcast with root -1'), /ERR_RANK: bcast\(\): root rank -1 is out of range/);
    assert.equal(line('iprobe after bad calls'), 'iprobe after bad calls: none');
    assert.equal(result.stdout.match(/send after finalize: ERR_FINALIZED/g)?.length, 2);
    assert.equal(result.stdout.match(/recv after finalize: ERR_FINALIZED/g)?.length, 2);
  });
});
