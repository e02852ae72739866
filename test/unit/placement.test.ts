import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placeRanks } from '../../launcher/plan/placement.js';
import { selectAddress } from '../../launcher/plan/network-address.js';
import { launchCommand, splitCommandWords } from '../../launcher/agents/launch-command.js';
import { isTsmpiError } from '../../src/errors.js';

const hosts = [{ name: 'a', slots: 2 }, { name: 'b', slots: 2 }, { name: 'c', slots: 1 }];
const hostsOf = (placement: { host: number }[]) => placement.map((p) => p.host);

describe('placement', { timeout: 10_000 }, () => {
  it('fills slots in order by default, np defaulting to all slots', () => {
    const placement = placeRanks({ hosts });
    assert.deepEqual(hostsOf(placement), [0, 0, 1, 1, 2]);
    assert.deepEqual(placement.map((p) => [p.localRank, p.localSize]), [[0, 2], [1, 2], [0, 2], [1, 2], [0, 1]]);
  });

  it('deals round-robin with --map-by node', () => {
    assert.deepEqual(hostsOf(placeRanks({ hosts, np: 4, mapBy: 'node' })), [0, 1, 2, 0]);
  });

  it('puts N per node with --npernode', () => {
    assert.deepEqual(hostsOf(placeRanks({ hosts, perNode: 1 })), [0, 1, 2]);
    assert.throws(() => placeRanks({ hosts, np: 7, perNode: 2 }), /7 ranks do not fit 2 per node on 3 hosts/);
  });

  it('refuses more ranks than slots unless oversubscribing, and never exceeds max_slots', () => {
    assert.throws(() => placeRanks({ hosts, np: 6 }), (e: unknown) => isTsmpiError(e, 'ERR_OVERSUBSCRIBE') && /the hosts have 5 slots in all/.test(e.message));
    assert.deepEqual(hostsOf(placeRanks({ hosts, np: 7, oversubscribe: true })), [0, 0, 0, 1, 1, 1, 2]);
    for (const mapBy of ['slot', 'node'] as const) {
      assert.throws(
        () => placeRanks({ hosts: [{ name: 'a', slots: 1, maxSlots: 1 }], np: 2, oversubscribe: true, mapBy }),
        (e: unknown) => isTsmpiError(e, 'ERR_OVERSUBSCRIBE') && /2 ranks exceed the max_slots of the hosts, which --oversubscribe does not lift/.test(e.message),
      );
    }
  });
});

describe('network address', { timeout: 10_000 }, () => {
  const interfaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    docker0: [{ address: '172.17.0.1', family: 'IPv4', internal: false }],
    eth0: [{ address: '10.1.2.3', family: 'IPv4', internal: false }],
  } as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;

  it('skips loopback and container bridges by default', () => {
    assert.equal(selectAddress(undefined, interfaces), '10.1.2.3');
  });

  it('takes an interface name or a CIDR block', () => {
    assert.equal(selectAddress('lo', interfaces), '127.0.0.1');
    assert.equal(selectAddress('172.16.0.0/12', interfaces), '172.17.0.1');
  });

  it('says what there is when nothing matches', () => {
    assert.throws(() => selectAddress(undefined, { lo: interfaces.lo }, 'n1'), /n1 has no network interface other ranks could reach \(only loopback or container bridges: lo 127\.0\.0\.1\); choose one with --iface/);
    assert.throws(() => selectAddress('ib0', interfaces), /no IPv4 interface matching --iface ib0 \(it has: lo 127\.0\.0\.1, docker0/);
  });
});

describe('launch commands', { timeout: 10_000 }, () => {
  it('runs the node agent through ssh with fail-fast options', () => {
    const command = launchCommand('ssh', 'node7', 'job-1');
    assert.equal(command[0], 'ssh');
    assert.ok(command.includes('BatchMode=yes'));
    assert.equal(command.at(-2), 'node7');
    // Built: node-agent.js; from the sources (as here, under tsx): node-agent.ts loaded by tsx.
    assert.match(command.at(-1) as string, /^exec \S+ (?:--import \S+ )?\S+node-agent\.(?:js|ts) --job job-1$/);
  });

  it('takes a custom launch agent with its own arguments', () => {
    const command = launchCommand('ssh', 'h', 'j', 'ssh -F "/tmp/my config"');
    assert.deepEqual(command.slice(0, 3), ['ssh', '-F', '/tmp/my config']);
    assert.deepEqual(launchCommand('ssh', 'h', 'j', 'rsh').slice(0, 2), ['rsh', 'h']);
    assert.throws(() => splitCommandWords('ssh "unterminated'), /is not a command/);
  });

  it('starts one srun step per node', () => {
    const command = launchCommand('srun', 'n2', 'j');
    assert.deepEqual(command.slice(0, 4), ['srun', '--nodes=1', '--ntasks=1', '--nodelist=n2']);
  });
});
