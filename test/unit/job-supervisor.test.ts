/**
 * The supervisor's decisions, driven through a fake agent and fake timers: which signals go to
 * which ranks, when, and which exit code comes out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentEvents, LaunchAgent, RankSpec, RankTermination } from '../../launcher/agents/launch-agent.js';
import { Job, TIMEOUT_EXIT_CODE, type Timers } from '../../launcher/job/job-supervisor.js';
import { CONTROL_PROTOCOL_VERSION, type LauncherToRank, type PeersMessage } from '../../src/protocol/control-messages.js';

class FakeAgent implements LaunchAgent {
  readonly host = 'fakehost';
  events!: AgentEvents;
  readonly signals: [number, NodeJS.Signals][] = [];
  readonly sent: [number, LauncherToRank][] = [];
  closed = false;
  start(ranks: readonly RankSpec[], events: AgentEvents): void {
    this.events = events;
    for (const spec of ranks) events.started(spec.rank, 1000 + spec.rank);
  }
  sendControl(rank: number, message: LauncherToRank): void {
    this.sent.push([rank, message]);
  }
  signal(rank: number, signal: NodeJS.Signals): void {
    this.signals.push([rank, signal]);
  }
  setOutputPaused(): void {}
  writeStdin(): void {}
  close(): void {
    this.closed = true;
  }
  exit(rank: number, termination: Partial<RankTermination>): void {
    this.events.exited(rank, { code: null, signal: null, ...termination });
  }
}

class FakeTimers implements Timers {
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  #next = 1;
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++;
    this.pending.set(id, { callback, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fire(ms: number): void {
    for (const [id, timer] of this.pending) {
      if (timer.ms === ms) {
        this.pending.delete(id);
        timer.callback();
      }
    }
  }
}

function makeJob(size: number, options: { timeoutMs?: number; oversubscribed?: boolean } = {}) {
  const agent = new FakeAgent();
  const timers = new FakeTimers();
  const stderr: string[] = [];
  const sink = (into: string[]) => ({ write: (text: string) => (into.push(text), true), once: () => undefined, removeListener: () => undefined });
  const spec = (rank: number): RankSpec => ({ rank, command: 'x', args: [], cwd: '/', env: {}, stdin: 'ignore' });
  const job = new Job({
    ranks: Array.from({ length: size }, (_, rank) => ({ spec: spec(rank), agent })),
    stdout: sink([]),
    stderr: sink(stderr),
    timeoutMs: options.timeoutMs,
    ...(options.oversubscribed === undefined ? {} : { oversubscribed: options.oversubscribed }),
    killGraceMs: 3000,
    timers,
  });
  return { job, agent, timers, stderr };
}

const hello = (rank: number) => ({ type: 'hello' as const, protocol: CONTROL_PROTOCOL_VERSION, rank, pid: 1000 + rank, endpoints: { ipc: `ipc://${rank}` } });

describe('job supervisor', { timeout: 10_000 }, () => {
  it('hands out the peer table once every rank has said hello', () => {
    const { agent } = makeJob(3);
    agent.events.control(0, hello(0));
    agent.events.control(2, hello(2));
    assert.equal(agent.sent.length, 0);
    agent.events.control(1, hello(1));
    assert.equal(agent.sent.length, 3);
    const peers = agent.sent[0]?.[1];
    assert.deepEqual(peers, { type: 'peers', peers: [0, 1, 2].map((r) => ({ node: 0, endpoints: { ipc: `ipc://${r}` } })) });
  });

  it('sends the peer table once, not again as ranks finalize and exit', () => {
    const { agent } = makeJob(3);
    for (const rank of [0, 1, 2]) agent.events.control(rank, hello(rank));
    for (const rank of [0, 1, 2]) agent.events.control(rank, { type: 'finalized', rank });
    agent.exit(1, { code: 0 });
    agent.exit(0, { code: 0 });
    agent.exit(2, { code: 0 });
    const peers = agent.sent.filter(([, message]) => message.type === 'peers');
    assert.deepEqual(peers.map(([rank]) => rank), [0, 1, 2]);
    // Nothing at all is sent to a rank once it has exited.
    assert.deepEqual(agent.sent.slice(3).map(([rank, message]) => [rank, message.type]), [[0, 'released'], [1, 'released'], [2, 'released']]);
  });

  it('passes on each rank\'s board directory, and none for a rank that has none', () => {
    const { agent } = makeJob(2);
    agent.events.control(0, { ...hello(0), boardDir: '/dev/shm/tsmpi-x' });
    agent.events.control(1, hello(1));
    const table = agent.sent[0]?.[1] as PeersMessage;
    assert.deepEqual(table.peers.map((peer) => peer.boardDir), ['/dev/shm/tsmpi-x', undefined]);
    assert.equal('boardDir' in (table.peers[1] as object), false);
  });

  it('tells every rank, with the peer table, that the job oversubscribes a node', () => {
    const { agent } = makeJob(2, { oversubscribed: true });
    agent.events.control(0, hello(0));
    agent.events.control(1, hello(1));
    assert.deepEqual(
      agent.sent.map(([, message]) => (message as { oversubscribed?: boolean }).oversubscribed),
      [true, true],
    );
  });

  it('refuses a rank of another protocol version and aborts', async () => {
    const { job, agent, stderr } = makeJob(2);
    agent.events.control(0, { ...hello(0), protocol: 99 });
    assert.equal(agent.sent[0]?.[1].type, 'refused');
    assert.deepEqual(agent.signals, [[0, 'SIGTERM'], [1, 'SIGTERM']]);
    agent.exit(0, { signal: 'SIGTERM' });
    agent.exit(1, { signal: 'SIGTERM' });
    const result = await job.result;
    assert.equal(result.exitCode, 1);
    assert.equal(result.reason, 'protocol-error');
    assert.match(stderr.join(''), /speaks tsmpi control protocol 99/);
  });

  it('releases ranks in finalize() only once every rank has finalized or ended', async () => {
    const { job, agent } = makeJob(3);
    const released = () => agent.sent.filter(([, message]) => message.type === 'released');
    for (const rank of [0, 1, 2]) agent.events.control(rank, hello(rank));
    agent.events.control(0, { type: 'finalized', rank: 0 });
    agent.events.control(2, { type: 'finalized', rank: 2 });
    assert.deepEqual(released(), [], 'released while rank 1 could still be receiving');
    agent.exit(1, { code: 0 });
    assert.deepEqual(released(), [
      [0, { type: 'released' }],
      [2, { type: 'released' }],
    ]);
    agent.exit(0, { code: 0 });
    agent.exit(2, { code: 0 });
    assert.equal((await job.result).exitCode, 0);
    assert.equal(released().length, 2, 'released twice');
  });

  it('exits 0 when every rank exits 0', async () => {
    const { job, agent } = makeJob(2);
    agent.exit(1, { code: 0 });
    agent.exit(0, { code: 0 });
    const result = await job.result;
    assert.equal(result.exitCode, 0);
    assert.equal(agent.closed, true);
    assert.deepEqual(agent.signals, []);
  });

  it('stops the others with SIGTERM, then SIGKILL after the grace period, and exits with the failing code', async () => {
    const { job, agent, timers, stderr } = makeJob(3);
    agent.exit(1, { code: 4 });
    assert.deepEqual(agent.signals, [[0, 'SIGTERM'], [2, 'SIGTERM']]);
    agent.exit(0, { signal: 'SIGTERM' });
    timers.fire(3000);
    assert.deepEqual(agent.signals.slice(2), [[2, 'SIGKILL']]);
    agent.exit(2, { signal: 'SIGKILL' });
    const result = await job.result;
    assert.equal(result.exitCode, 4);
    assert.equal(result.reason, 'rank-failed');
    assert.deepEqual(result.ranks.map((r) => r.stoppedByLauncher), [true, false, true]);
    assert.equal(stderr.join(''), 'tsmpiexec: rank 1 on fakehost (pid 1001) exited with code 4; aborting the job\n');
  });

  it('takes the lowest rank\'s code when several fail on their own', async () => {
    const { job, agent } = makeJob(4);
    agent.exit(3, { code: 5 });
    agent.exit(1, { code: 6 });
    agent.exit(0, { signal: 'SIGTERM' });
    agent.exit(2, { signal: 'SIGSEGV' });
    assert.equal((await job.result).exitCode, 6);
  });

  it('reports a signal death as 128 + signal, and an uncaught exception with its stack', async () => {
    const { job, agent, stderr } = makeJob(2);
    agent.events.control(1, { type: 'fatal', rank: 1, origin: 'uncaughtException', summary: 'Error: x', stack: 'Error: x\n    at f (a.ts:1:1)' });
    agent.exit(1, { code: 1 });
    agent.exit(0, { signal: 'SIGKILL' });
    const result = await job.result;
    assert.equal(result.exitCode, 1);
    assert.equal(result.ranks[1]?.error, 'Error: x');
    assert.equal(stderr.join(''), 'tsmpiexec: rank 1 on fakehost (pid 1001) failed with an uncaught exception: Error: x; aborting the job\n    at f (a.ts:1:1)\n');

    const other = makeJob(1);
    other.agent.exit(0, { signal: 'SIGSEGV' });
    assert.equal((await other.job.result).exitCode, 139);
  });

  it('times out with exit code 124', async () => {
    const { job, agent, timers, stderr } = makeJob(2, { timeoutMs: 5000 });
    timers.fire(5000);
    assert.deepEqual(agent.signals, [[0, 'SIGTERM'], [1, 'SIGTERM']]);
    agent.exit(0, { signal: 'SIGTERM' });
    agent.exit(1, { signal: 'SIGTERM' });
    const result = await job.result;
    assert.equal(result.exitCode, TIMEOUT_EXIT_CODE);
    assert.match(stderr.join(''), /time limit of 5 s/);
  });

  it('asks the ranks what they wait in before stopping them on timeout, waiting at most a second', async () => {
    const { job, agent, timers, stderr } = makeJob(3, { timeoutMs: 5000 });
    for (const rank of [0, 1, 2]) agent.events.control(rank, hello(rank));
    timers.fire(5000);
    const asked = agent.sent.filter(([, message]) => message.type === 'status-request');
    assert.deepEqual(asked.map(([rank]) => rank), [0, 1, 2]);
    assert.deepEqual(agent.signals, [], 'ranks were stopped before the report');
    const id = (asked[0]?.[1] as { id: number }).id;
    agent.events.control(0, { type: 'status', rank: 0, id, finalized: false, calls: [{ call: 'barrier()', seconds: 4.96, pending: false }] });
    agent.events.control(1, { type: 'status', rank: 1, id, finalized: false, calls: [{ call: 'recv(source=0, tag=7)', seconds: 4.9, pending: false }] });
    assert.deepEqual(agent.signals, []);
    // Rank 2 never answers: the report is printed after the wait, then the ranks are stopped.
    timers.fire(1000);
    assert.deepEqual(agent.signals, [[0, 'SIGTERM'], [1, 'SIGTERM'], [2, 'SIGTERM']]);
    const text = stderr.join('');
    assert.match(text, /tsmpiexec: rank 0: barrier\(\) waiting 5\.0 s\n/);
    assert.match(text, /tsmpiexec: rank 1: recv\(source=0, tag=7\) waiting 4\.9 s\n/);
    assert.match(text, /tsmpiexec: rank 2: no answer within 1 s/);
    for (const rank of [0, 1, 2]) agent.exit(rank, { signal: 'SIGTERM' });
    assert.equal((await job.result).exitCode, TIMEOUT_EXIT_CODE);
  });

  it('answers a rank\'s clock-ping with the launcher\'s clock', () => {
    const { agent } = makeJob(1);
    agent.events.control(0, { type: 'clock-ping', rank: 0, id: 3 });
    const [rank, pong] = agent.sent[0] as [number, LauncherToRank];
    assert.equal(rank, 0);
    assert.equal(pong.type, 'clock-pong');
    assert.ok(Math.abs((pong as { time: number }).time - Date.now()) < 1000);
  });

  it('stops in order on the first interrupt and kills at once on the second', async () => {
    const { job, agent } = makeJob(2);
    job.interrupt('SIGINT');
    assert.deepEqual(agent.signals, [[0, 'SIGTERM'], [1, 'SIGTERM']]);
    job.interrupt('SIGINT');
    assert.deepEqual(agent.signals.slice(2), [[0, 'SIGKILL'], [1, 'SIGKILL']]);
    agent.exit(0, { signal: 'SIGKILL' });
    agent.exit(1, { signal: 'SIGKILL' });
    const result = await job.result;
    assert.equal(result.exitCode, 130);
    assert.equal(result.reason, 'interrupted');
  });

  it('aborts when a rank exits without init() while another waits in init()', async () => {
    const { job, agent, stderr } = makeJob(3);
    agent.events.control(0, hello(0));
    agent.exit(2, { code: 0 });
    assert.deepEqual(agent.signals, [[0, 'SIGTERM'], [1, 'SIGTERM']]);
    agent.exit(0, { signal: 'SIGTERM' });
    agent.exit(1, { signal: 'SIGTERM' });
    assert.equal((await job.result).exitCode, 1);
    assert.match(stderr.join(''), /rank 2 on fakehost exited without calling init\(\) while rank 0 waited for it in init\(\)/);
  });

  it('lets ranks that never call init() finish normally', async () => {
    const { job, agent } = makeJob(2);
    agent.exit(0, { code: 0 });
    agent.exit(1, { code: 0 });
    assert.equal((await job.result).exitCode, 0);
  });
});
