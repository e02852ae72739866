/**
 * The parts of observability that need no job: the call tracker, trace lanes, the profile's
 * arithmetic, deadlock report lines, and rank output decoration.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ArgsShape, beginCall, callsInProgress, describeCall, endCall } from '../../src/observe/call-tracker.js';
import type { CallRecord } from '../../src/protocol/control-messages.js';
import { assignLanes, chromeTrace } from '../../launcher/observe/chrome-trace.js';
import { formatProfile, profileOf } from '../../launcher/observe/profile.js';
import { StatusRound } from '../../launcher/job/status-report.js';
import { rankDirectory, rankOutputFactory, colourWanted } from '../../launcher/output/rank-output.js';

const record = (call: string, start: number, end: number, extra: Partial<CallRecord> = {}): CallRecord => ({
  call, on: 'COMM_WORLD', args: '', peer: -1, bytes: 0, start, end, ...extra,
});

describe('call tracker', () => {
  it('describes calls as the user wrote them and forgets them when they end', () => {
    const recv = beginCall('recv', 'COMM_WORLD', ArgsShape.SourceTag, -1, 7);
    const bcast = beginCall('bcast', 'split(color=1) of COMM_WORLD', ArgsShape.Root, 1);
    const sendrecv = beginCall('sendrecv', 'COMM_WORLD', ArgsShape.SendRecv, 1, 0, 2, -1);
    assert.equal(describeCall(recv), 'recv(source=ANY_SOURCE, tag=7)');
    assert.equal(describeCall(bcast), 'bcast(root=1) on split(color=1) of COMM_WORLD');
    assert.equal(describeCall(sendrecv), 'sendrecv(dest=1, sendtag=0, source=2, recvtag=ANY_TAG)');
    assert.equal(callsInProgress().length, 3);
    endCall(bcast);
    assert.deepEqual(callsInProgress().map((slot) => slot.call), ['recv', 'sendrecv']);
    endCall(recv);
    endCall(sendrecv);
    assert.equal(callsInProgress().length, 0);
    // Slots are reused: a new call gets a freed slot, not a new object.
    const again = beginCall('send', 'COMM_WORLD', ArgsShape.DestTag, 3, 4);
    assert.ok([recv, bcast, sendrecv].includes(again));
    assert.equal(describeCall(again), 'send(dest=3, tag=4)');
    endCall(again);
  });
});

describe('trace lanes', () => {
  it('keeps nested calls on one lane and moves overlapping ones to another', () => {
    const records = [
      record('span', 0, 10),
      record('recv', 1, 3),
      record('irecv', 4, 12),
      record('send', 5, 6),
      record('recv', 11, 13),
    ];
    // span [0,10] holds recv [1,3]; irecv [4,12] overlaps the span's end -> lane 1; send [5,6]
    // nests in the span -> lane 0; recv [11,13] overlaps irecv on lane 1 but fits lane 0.
    assert.deepEqual(assignLanes(records), [0, 0, 1, 0, 0]);
  });
});

describe('long runs', { timeout: 30_000 }, () => {
  // A rank of a long --trace/--profile run can record hundreds of thousands of calls: more than a
  // spread argument list (Math.max(...values)) may hold on the stack.
  let many: ReturnType<typeof record>[] = [];
  before(() => {
    many = Array.from({ length: 300_000 }, (_, index) => record('send', index * 2, index * 2 + 1, { bytes: 8 }));
  });

  it('builds the trace of 300 000 records', () => {
    const trace = chromeTrace([{ rank: 0, host: 'a', records: many }], 0);
    assert.equal(trace.traceEvents.filter((event) => event.ph === 'X').length, many.length);
  });

  it('profiles 300 000 records without init() or finalize()', () => {
    const profile = profileOf([{ rank: 0, host: 'a', records: many }]);
    assert.equal(profile.ranks[0]?.operations.send?.calls, many.length);
    assert.equal(profile.ranks[0]?.appSeconds, (many.length * 2 - 1) / 1000);
  });
});

describe('profile', () => {
  it('counts overlapping communication once and ranks the waiting', () => {
    const ranks = [
      { rank: 0, host: 'a', records: [record('init', 0, 100), record('irecv', 200, 600, { bytes: 8 }), record('send', 300, 400, { bytes: 16 }), record('finalize', 1100, 1150)] },
      { rank: 1, host: 'b', records: [record('init', 0, 100), record('recv', 150, 1000, { bytes: 16 }), record('finalize', 1100, 1150)] },
    ];
    const profile = profileOf(ranks);
    assert.equal(profile.ranks[0]?.appSeconds, 1);
    assert.equal(profile.ranks[0]?.commSeconds, 0.4);
    assert.deepEqual(profile.ranks[0]?.operations.send, { calls: 1, seconds: 0.1, maxSeconds: 0.1, bytes: 16 });
    assert.equal(profile.ranks[1]?.commSeconds, 0.85);
    assert.deepEqual(profile.waitedMost.map((w) => w.rank), [1, 0]);
    assert.equal(profile.slowest[0]?.call, 'recv()');
    const text = formatProfile(profile);
    assert.match(text, /^\s+1\s+b\s+1\.000\s+0\.850\s+85\.0%\s+0\.150$/m);
    assert.match(text, /Ranks that waited most: rank 1 0\.850 s \(85\.0%\)/);
  });
});

describe('deadlock report lines', () => {
  it('says what each rank waits in, or why it cannot say', () => {
    const done: string[] = [];
    const round = new StatusRound(1, [
      { rank: 0, host: undefined, condition: { kind: 'asked' } },
      { rank: 1, host: undefined, condition: { kind: 'asked' } },
      { rank: 2, host: undefined, condition: { kind: 'exited', how: 'finished (exit code 0)' } },
      { rank: 3, host: 'n3', condition: { kind: 'host-lost' } },
      { rank: 4, host: undefined, condition: { kind: 'asked' } },
    ], () => done.push('complete'));
    round.answer({ type: 'status', rank: 0, id: 1, finalized: false, calls: [{ call: 'irecv(source=1, tag=3)', seconds: 2, pending: true }, { call: 'recv(source=2, tag=7)', seconds: 30.04, pending: false }] });
    round.answer({ type: 'status', rank: 1, id: 1, finalized: false, calls: [] });
    assert.equal(round.complete, false);
    assert.deepEqual(round.lines(), [
      'rank 0: recv(source=2, tag=7) waiting 30.0 s; irecv(source=1, tag=3) pending 2.0 s',
      'rank 1: not in a communication call (computing, or awaiting something else)',
      'rank 2: finished (exit code 0)',
      'rank 3 on n3: unreachable: its host was lost',
      'rank 4: no answer within 1 s: busy computing without returning to the event loop, or unreachable',
    ]);
    round.answer({ type: 'status', rank: 4, id: 1, finalized: true, calls: [] });
    assert.deepEqual(done, ['complete']);
    assert.equal(round.lines()[4], 'rank 4: finalized, not yet exited');
  });
});

describe('rank output', () => {
  it('colours tags and stamps times as asked', () => {
    const lines: string[] = [];
    const make = rankOutputFactory({
      tagOutput: true, hostCount: 1, rankCount: 2, timestamps: true, colour: true,
      now: () => new Date(Date.UTC(2026, 10, 23, 15, 31, 48, 123)),
    });
    const output = make(1, 'here', (text) => (lines.push(text), true), () => true);
    output.out.write('hello\nworld\n');
    output.out.end();
    assert.deepEqual(lines, ['[2026-11-23T15:31:48.123Z] \x1b[32m[1]\x1b[0m hello\n[2026-11-23T15:31:48.123Z] \x1b[32m[1]\x1b[0m world\n']);
  });

  it('wants colour only on a terminal without NO_COLOR', () => {
    assert.equal(colourWanted({ isTTY: true }, {}), true);
    assert.equal(colourWanted({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(colourWanted({ isTTY: false }, {}), false);
    assert.equal(colourWanted({}, {}), false);
  });

  it('pads rank directories so that listings sort', () => {
    assert.equal(rankDirectory('/out', 3, 12), '/out/1/rank.03');
    assert.equal(rankDirectory('/out', 0, 1), '/out/1/rank.0');
  });
});
