import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mallocTuningEnvironment, MMAP_THRESHOLD_BYTES, TRIM_THRESHOLD_BYTES, withMallocTunables } from '../../launcher/job/malloc-tuning.js';

const OURS = `glibc.malloc.mmap_threshold=${MMAP_THRESHOLD_BYTES}:glibc.malloc.trim_threshold=${TRIM_THRESHOLD_BYTES}`;

describe('malloc tuning of Node ranks', { timeout: 10_000 }, () => {
  it('adds both settings to an empty or missing GLIBC_TUNABLES', () => {
    assert.equal(withMallocTunables(undefined), OURS);
    assert.equal(withMallocTunables(''), OURS);
  });

  it('keeps every setting the user made, and does not override one of its own', () => {
    assert.equal(withMallocTunables('glibc.malloc.arena_max=2'), `glibc.malloc.arena_max=2:${OURS}`);
    assert.equal(
      withMallocTunables('glibc.malloc.mmap_threshold=65536:glibc.pthread.rseq=0'),
      `glibc.malloc.mmap_threshold=65536:glibc.pthread.rseq=0:glibc.malloc.trim_threshold=${TRIM_THRESHOLD_BYTES}`,
    );
    const both = 'glibc.malloc.trim_threshold=1:glibc.malloc.mmap_threshold=2';
    assert.equal(withMallocTunables(both), both);
  });

  it('takes -x values over the job environment, and is turned off by TSMPI_MALLOC_TUNING=0 or off', () => {
    assert.deepEqual(mallocTuningEnvironment({ GLIBC_TUNABLES: 'a=1' }, { GLIBC_TUNABLES: 'b=2' }), { GLIBC_TUNABLES: `b=2:${OURS}` });
    assert.deepEqual(mallocTuningEnvironment({ GLIBC_TUNABLES: 'a=1' }, undefined), { GLIBC_TUNABLES: `a=1:${OURS}` });
    assert.deepEqual(mallocTuningEnvironment({ TSMPI_MALLOC_TUNING: 'off' }, undefined), {});
    assert.deepEqual(mallocTuningEnvironment({}, { TSMPI_MALLOC_TUNING: '0' }), {});
    assert.deepEqual(mallocTuningEnvironment({ TSMPI_MALLOC_TUNING: '1' }, undefined), { GLIBC_TUNABLES: OURS });
  });
});
