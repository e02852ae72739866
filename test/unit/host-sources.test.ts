import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHostfile, parseHostOption } from '../../launcher/hosts/hostfile.js';
import { expandNodeList, expandTasksPerNode, slurmHosts } from '../../launcher/hosts/slurm-allocation.js';
import { pbsHosts } from '../../launcher/hosts/pbs-allocation.js';
import { discoverHosts } from '../../launcher/hosts/discover-hosts.js';
import { isTsmpiError } from '../../src/errors.js';

const refuses = (fn: () => unknown, code: string, message: RegExp) =>
  assert.throws(fn, (e: unknown) => isTsmpiError(e) && e.code === code && message.test(e.message));

describe('hostfiles', { timeout: 10_000 }, () => {
  it('reads Open MPI and MPICH lines, comments and blank lines', () => {
    const text = '# cluster\nnode1 slots=4 max_slots=8\n\nnode2:2   # two\nnode3\n node1 slots=2\n';
    assert.deepEqual(parseHostfile(text, 'hf'), [
      { name: 'node1', slots: 6, maxSlots: 8 },
      { name: 'node2', slots: 2 },
      { name: 'node3', slots: 1 },
    ]);
  });

  const malformed: [string, RegExp][] = [
    ['node1 slots=0', /^hf:2: slots= must be a whole number of at least 1: "node1 slots=0"$/],
    ['node1 slots=x', /^hf:2: slots= must be/],
    ['node1:two', /^hf:2: the count after ":" must be a whole number/],
    ['node1 cores=4', /^hf:2: unknown attribute "cores=4"/],
    ['node1 slots=4 max_slots=2', /^hf:2: max_slots=2 is less than slots=4/],
    ['bad!name', /^hf:2: "bad!name" is not a host name/],
  ];
  for (const [line, message] of malformed) {
    it(`names file and line for ${JSON.stringify(line)}`, () => {
      refuses(() => parseHostfile(`ok\n${line}\n`, 'hf'), 'ERR_HOSTFILE', message);
    });
  }

  it('refuses a hostfile with no host', () => {
    refuses(() => parseHostfile('# nothing\n\n', 'empty'), 'ERR_HOSTFILE', /^empty: the hostfile names no host$/);
  });

  it('reads --host lists, counting repeated names', () => {
    assert.deepEqual(parseHostOption('a:2,b,b'), [{ name: 'a', slots: 2 }, { name: 'b', slots: 2 }]);
    refuses(() => parseHostOption('a:,b'), 'ERR_USAGE', /--host: "a:" is not/);
  });
});

describe('Slurm allocations', { timeout: 10_000 }, () => {
  it('expands node lists with ranges, lists and zero padding', () => {
    assert.deepEqual(expandNodeList('n[1-3,7],gpu05'), ['n1', 'n2', 'n3', 'n7', 'gpu05']);
    assert.deepEqual(expandNodeList('node[008-010]'), ['node008', 'node009', 'node010']);
    assert.deepEqual(expandNodeList('a[1-2]-ib,b'), ['a1-ib', 'a2-ib', 'b']);
    refuses(() => expandNodeList('n[1-x]'), 'ERR_HOSTFILE', /cannot read the range "1-x"/);
  });

  it('expands tasks per node', () => {
    assert.deepEqual(expandTasksPerNode('2(x3),1'), [2, 2, 2, 1]);
    refuses(() => expandTasksPerNode('2(y3)'), 'ERR_HOSTFILE', /cannot read "2\(y3\)"/);
  });

  it('builds the host list of a job', () => {
    assert.deepEqual(slurmHosts({ SLURM_JOB_ID: '7', SLURM_JOB_NODELIST: 'n[1-3]', SLURM_TASKS_PER_NODE: '2(x3)' }), [
      { name: 'n1', slots: 2 },
      { name: 'n2', slots: 2 },
      { name: 'n3', slots: 2 },
    ]);
    assert.equal(slurmHosts({ SLURM_JOB_NODELIST: 'n1' }), undefined, 'not inside a job');
    refuses(() => slurmHosts({ SLURM_JOB_ID: '7', SLURM_JOB_NODELIST: 'n[1-3]', SLURM_TASKS_PER_NODE: '2' }), 'ERR_HOSTFILE', /lists 3 nodes .* but 1 task counts/);
  });
});

describe('PBS jobs', { timeout: 10_000 }, () => {
  it('groups the node file\'s one line per slot', () => {
    const nodeFile = 'hostA\nhostA\nhostB\nhostB\nhostC\nhostC\n';
    assert.deepEqual(pbsHosts({ PBS_NODEFILE: '/pbs/nodes' }, () => nodeFile), [
      { name: 'hostA', slots: 2 },
      { name: 'hostB', slots: 2 },
      { name: 'hostC', slots: 2 },
    ]);
    refuses(() => pbsHosts({ PBS_NODEFILE: '/nope' }, () => { throw new Error('ENOENT'); }), 'ERR_HOSTFILE', /PBS_NODEFILE \/nope cannot be read/);
  });
});

describe('host discovery', { timeout: 10_000 }, () => {
  it('prefers --host, then Slurm, then PBS, then this machine', () => {
    const slurm = { SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 's1', SLURM_TASKS_PER_NODE: '1' };
    assert.equal(discoverHosts({ host: 'h', env: slurm }).source, 'host-option');
    assert.equal(discoverHosts({ env: slurm }).source, 'slurm');
    assert.equal(discoverHosts({ env: {} }).source, 'local');
  });
});
