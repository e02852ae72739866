import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { availableCores, cgroupCpuLimit } from '../../src/runtime/available-cores.js';

const files = (contents: Record<string, string>) => (path: string) => contents[path];

describe('available cores', { timeout: 10_000 }, () => {
  it('reads a cgroup v2 quota, rounding up', () => {
    assert.equal(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' })), 2);
    assert.equal(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' })), undefined);
  });

  it('reads a cgroup v1 quota', () => {
    const read = files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '100000', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' });
    assert.equal(cgroupCpuLimit(read), 1);
    assert.equal(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1' })), undefined);
  });

  it('is the affinity count, lowered by a quota', () => {
    assert.equal(availableCores(files({})), availableParallelism());
    assert.equal(availableCores(files({ '/sys/fs/cgroup/cpu.max': '100000 100000' })), 1);
  });
});
