/**
 * The heartbeat between tsmpiexec and a node agent (launcher/agents/heartbeat.ts): it beats, it
 * gives up on a silent peer once, and a peer that is heard is never given up.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Heartbeat, heartbeatIntervalMs } from '../../launcher/agents/heartbeat.js';

describe('Heartbeat', () => {
  it('beats every fifth of the bound', () => {
    assert.equal(heartbeatIntervalMs(10_000), 2000);
    assert.equal(heartbeatIntervalMs(2000), 400);
  });

  it('gives up on a silent peer once, after more than the bound, having beaten meanwhile', { timeout: 10_000 }, async () => {
    // The heartbeat's timer never keeps a process alive on its own; the test must.
    const keepAlive = setInterval(() => {}, 1000);
    let beats = 0;
    let calls = 0;
    const started = Date.now();
    const silentMs = await new Promise<number>((resolve) => {
      new Heartbeat({
        timeoutMs: 300,
        beat: () => beats++,
        silent: (ms) => {
          calls++;
          resolve(ms);
        },
      });
    });
    clearInterval(keepAlive);
    assert.ok(silentMs > 300, `declared silent after ${silentMs} ms`);
    assert.ok(Date.now() - started >= 300);
    assert.ok(beats >= 3, `only ${beats} beats`);
    // Stopped: no second call.
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(calls, 1);
  });

  it('never gives up on a peer that is heard, and stops when told', { timeout: 10_000 }, async () => {
    let silent = false;
    const heartbeat = new Heartbeat({ timeoutMs: 300, beat: () => {}, silent: () => (silent = true) });
    const hearing = setInterval(() => heartbeat.heard(), 50);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    clearInterval(hearing);
    heartbeat.stop();
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(silent, false);
  });
});
