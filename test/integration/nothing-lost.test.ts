/**
 * Nothing lost (issue 7): a sender far faster than its receiver ends with every message received,
 * in order and intact, and with bounded memory on both sides (backpressure, never drops); and a
 * sender that finalizes long before its receiver reads loses nothing. (Messages larger than
 * 2 GiB: large-messages.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixture, runTsmpiexec } from '../helpers/run-tsmpiexec.js';

/** Peak resident memory of each rank, from the fixture's `rank R maxrss N MiB` lines. */
function peaks(stdout: string): number[] {
  return [...stdout.matchAll(/^rank (\d) maxrss (\d+) MiB$/gm)].sort((a, b) => Number(a[1]) - Number(b[1])).map((match) => Number(match[2]));
}

describe('nothing lost', { timeout: 600_000 }, () => {
  it('a sender far faster than its receiver: 300000 small and 400 large (1 MiB) messages, all in order, intact, memory bounded', { timeout: 240_000 }, async () => {
    const result = await runTsmpiexec(['--oversubscribe', '-np', '2', fixture('flood.ts'), '300000', '750', String(1 << 20)], { timeoutMs: 220_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^received all 300000 small and 400 large messages in order, intact$/m);
    const [sender, receiver] = peaks(result.stdout);
    assert.ok(sender !== undefined && receiver !== undefined, result.stdout);
    // 400 MiB of large messages and 300000 small ones go through; queued all at once they would
    // take well over 500 MiB. What is bounded is the number of queued messages (ZeroMQ's
    // high-water marks), so a few large ones at a time: far below this.
    const BOUND_MIB = 300;
    assert.ok(sender < BOUND_MIB, `the sender's peak memory was ${sender} MiB (bound ${BOUND_MIB} MiB)`);
    assert.ok(receiver < BOUND_MIB, `the receiver's peak memory was ${receiver} MiB (bound ${BOUND_MIB} MiB)`);
  });

  it('a sender that finalizes long before its receiver reads (beyond the sockets\' 10 s linger) loses nothing', { timeout: 120_000 }, async () => {
    // 1900 messages of 64 KiB fit the queues, so the sender is done at once; its receiver starts
    // reading 11 s later. finalize() keeps the sender's sockets open until every rank has
    // finalized: closed at once, they would drop what they still held after 10 s, and the
    // receiver would wait forever (here: until --timeout).
    const result = await runTsmpiexec(['--oversubscribe', '-np', '2', '--timeout', '60', fixture('flood.ts'), '950', '1', '65536', '11000'], { timeoutMs: 100_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^received all 950 small and 950 large messages in order, intact$/m);
  });
});
