/**
 * Lanes in shared memory (src/comm/shared-memory-lanes.ts), with a sender's and a receiver's
 * view of one directory in one process: frames arrive intact in memory of their own, the ring is
 * reused only after the receiver has read, and what cannot go by lane is refused, not lost.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LANE_CAPACITY_BYTES, LANE_MAX_MESSAGE_BYTES, SharedMemoryLanes } from '../../src/comm/shared-memory-lanes.js';
import { TsmpiError } from '../../src/errors.js';

/** A frame of `bytes` bytes whose every byte depends on `seed` and its index. */
function patterned(bytes: number, seed: number): Buffer {
  const frame = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) frame[i] = (i * 31 + seed * 7) & 0xff;
  return frame;
}

describe('SharedMemoryLanes', { timeout: 60_000 }, () => {
  let dir: string;
  let sender: SharedMemoryLanes;
  let receiver: SharedMemoryLanes;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsmpi-lanes-test-'));
    sender = new SharedMemoryLanes(dir, 0);
    receiver = new SharedMemoryLanes(dir, 1);
  });
  afterEach(() => {
    sender.close();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers several frames of odd sizes intact, each in an aligned buffer of its own', () => {
    const frames = [patterned(13, 1), patterned(65_536 + 3, 2), patterned(0, 3), patterned(8, 4)];
    const descriptor = sender.write(1, frames);
    assert.ok(descriptor !== undefined);
    const received = receiver.read(0, descriptor);
    assert.equal(received.length, frames.length);
    received.forEach((frame, index) => {
      assert.ok(frame.equals(frames[index] as Buffer), `frame ${index} differs`);
      assert.equal(frame.byteOffset, 0);
      assert.equal(frame.buffer.byteLength, frame.byteLength);
    });
  });

  it('reuses the ring only after the receiver has read, and keeps every message intact across its end', () => {
    const bytes = 3 * 1024 * 1024 + 5;
    const inFlight: Buffer[] = [];
    // Fill the ring without reading: the message that does not fit is refused.
    for (let seed = 0; ; seed++) {
      const descriptor = sender.write(1, [patterned(bytes, seed)]);
      if (descriptor === undefined) break;
      inFlight.push(descriptor);
      assert.ok(inFlight.length * bytes <= LANE_CAPACITY_BYTES, 'the sender wrote more than the ring holds');
    }
    assert.equal(inFlight.length, Math.floor(LANE_CAPACITY_BYTES / (bytes + 3)));
    // Reading the oldest makes room for one more; round after round the ring wraps many times.
    let nextToRead = 0;
    for (let seed = inFlight.length; seed < 40; seed++) {
      const received = receiver.read(0, inFlight.shift());
      assert.ok((received[0] as Buffer).equals(patterned(bytes, nextToRead)), `message ${nextToRead} differs`);
      nextToRead++;
      const descriptor = sender.write(1, [patterned(bytes, seed)]);
      assert.ok(descriptor !== undefined, `message ${seed} was refused with room in the ring`);
      inFlight.push(descriptor);
    }
    for (const descriptor of inFlight) {
      assert.ok((receiver.read(0, descriptor)[0] as Buffer).equals(patterned(bytes, nextToRead)), `message ${nextToRead} differs`);
      nextToRead++;
    }
  });

  it('starts again at the ring\'s beginning once the receiver has read everything, so a lane holds only what was in flight', () => {
    const positionOf = (descriptor: Buffer | undefined): number => (descriptor as Buffer).readUInt32LE(8);
    const first = sender.write(1, [patterned(100_000, 1)]);
    const second = sender.write(1, [patterned(100_000, 2)]);
    assert.deepEqual([positionOf(first), positionOf(second)], [0, 100_000]);
    receiver.read(0, first);
    receiver.read(0, second);
    const third = sender.write(1, [patterned(100_000, 3)]);
    assert.equal(positionOf(third), 0);
    assert.ok((receiver.read(0, third)[0] as Buffer).equals(patterned(100_000, 3)));
  });

  it('refuses a message larger than a lane takes', () => {
    assert.equal(sender.write(1, [Buffer.alloc(LANE_MAX_MESSAGE_BYTES + 8)]), undefined);
    assert.ok(sender.write(1, [Buffer.alloc(LANE_MAX_MESSAGE_BYTES)]) !== undefined);
  });

  it('rejects a malformed descriptor as a protocol error', () => {
    const descriptor = sender.write(1, [patterned(100, 1)]) as Buffer;
    const expectProtocolError = (bad: Uint8Array | undefined, why: RegExp): void => {
      assert.throws(
        () => receiver.read(0, bad),
        (error: unknown) => error instanceof TsmpiError && error.code === 'ERR_PROTOCOL' && why.test(error.message),
      );
    };
    expectProtocolError(undefined, /missing or short/);
    expectProtocolError(descriptor.subarray(0, 18), /has 18 bytes for 1 frames/);
    const outside = Buffer.from(descriptor);
    outside.writeUInt32LE(LANE_CAPACITY_BYTES - 8, 8);
    expectProtocolError(outside, /outside the ring/);
  });

  it('fails with ERR_JOB naming the file when the lane is gone', () => {
    const descriptor = sender.write(1, [patterned(100, 1)]);
    unlinkSync(join(dir, 'lane-0-1'));
    unlinkSync(join(dir, 'lane-0-1.read'));
    assert.throws(
      () => receiver.read(0, descriptor),
      (error: unknown) => error instanceof TsmpiError && error.code === 'ERR_JOB' && error.message.includes(join(dir, 'lane-0-1')),
    );
  });

  it('sends by socket, with one warning, when it cannot create the lane', async () => {
    const homeless = new SharedMemoryLanes(join(dir, 'gone'), 0);
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      assert.equal(homeless.write(1, [patterned(100, 1)]), undefined);
      assert.equal(homeless.write(1, [patterned(100, 2)]), undefined);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
      homeless.close();
    }
    assert.equal(warnings.length, 1);
    assert.match((warnings[0] as Error).message, /rank 0 sends its large messages to rank 1 by socket: it cannot write .*gone\/lane-0-1/);
  });
});
