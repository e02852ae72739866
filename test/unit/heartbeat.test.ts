/**
 * The heartbeat between tsmpiexec and a node agent (launcher/agents/heartbeat.ts): it beats, it
 * gives up on a silent peer once, a peer that is heard is never given up, and a stall of this
 * process is not blamed on the peer. Time is node:test's mock clock, so nothing sleeps.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Heartbeat, heartbeatIntervalMs } from '../../launcher/agents/heartbeat.js';

describe('Heartbeat', { timeout: 10_000 }, () => {
  beforeEach(() => mock.timers.enable({ apis: ['setInterval', 'Date'] }));
  afterEach(() => mock.timers.reset());

  it('beats every fifth of the bound', () => {
    assert.equal(heartbeatIntervalMs(10_000), 2000);
    assert.equal(heartbeatIntervalMs(2000), 400);
  });

  // One interval (60 ms for a 300 ms bound) at a time: a longer jump reads as a stall of this
  // process, which is deliberately not blamed on the peer (see the last test).
  const advance = (ms: number): void => {
    for (let t = 0; t < ms; t += 60) mock.timers.tick(60);
  };

  it('gives up on a silent peer once, after more than the bound, having beaten meanwhile', () => {
    let beats = 0;
    const silences: number[] = [];
    new Heartbeat({ timeoutMs: 300, beat: () => beats++, silent: (ms) => silences.push(ms) });
    advance(300);
    assert.deepEqual(silences, [], 'given up before the bound');
    advance(60);
    assert.equal(silences.length, 1);
    assert.ok((silences[0] ?? 0) > 300, `declared silent after ${String(silences[0])} ms`);
    assert.equal(beats, 5);
    // Stopped: no second call, no more beats.
    advance(1000);
    assert.equal(silences.length, 1);
    assert.equal(beats, 5);
  });

  it('never gives up on a peer that is heard, and stops when told', () => {
    let beats = 0;
    let silent = false;
    const heartbeat = new Heartbeat({ timeoutMs: 300, beat: () => beats++, silent: () => (silent = true) });
    for (let t = 0; t < 1500; t += 50) {
      mock.timers.tick(50);
      heartbeat.heard();
    }
    assert.equal(silent, false);
    assert.ok(beats >= 20, `only ${beats} beats`);
    heartbeat.stop();
    const beatsWhenStopped = beats;
    advance(1000);
    assert.equal(silent, false);
    assert.equal(beats, beatsWhenStopped);
  });

  it('does not blame the peer for a stall of this process (a late tick)', () => {
    let silent = false;
    new Heartbeat({ timeoutMs: 300, beat: () => {}, silent: () => (silent = true) });
    mock.timers.tick(1000);
    assert.equal(silent, false, "a stall counted as the peer's silence");
    advance(360);
    assert.equal(silent, true, 'silence after the stall is still noticed');
  });
});
