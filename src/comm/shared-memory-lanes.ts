/**
 * Large messages between two ranks of one node through a file in shared memory (a "lane"),
 * instead of through libzmq.
 *
 * Through libzmq a message's bytes go from the sender's memory through a Unix socket into a buffer
 * libzmq allocates in the receiver, which V8 then adopts and a garbage collection frees; on this
 * kind of machine that carries 2-3 GB/s (docs/performance.md). Through a lane the sender copies
 * the bytes into a tmpfs file with one `pwritev` (about 10 GB/s), and sends through libzmq only a
 * small descriptor of where they are; the receiver, when the descriptor arrives, reads them with
 * one `preadv` into memory of its own, and the message is delivered as if it had come by socket.
 * As the sender's send has copied the bytes, it completes at once, with no arrival acknowledgement.
 *
 * The lane from rank S to rank D is two files in the node's job directory, created by S at its
 * first large message to D: `lane-S-D`, a ring of {@link LANE_CAPACITY_BYTES} that S fills in
 * order, and `lane-S-D.read`, 8 bytes where D counts how far it has read (bytes of the ring, a
 * count that only grows). The count has a file of its own because tmpfs locks a file while it is
 * written: D's small writes would wait for S's large ones. Descriptors travel on the one libzmq
 * connection from S to D, so D reads regions in the order S wrote them, and S reuses a region
 * only once D's count has passed it (S reads the count before each message: one 8-byte pread).
 * When the ring has no room, or the file cannot be written (a full /dev/shm), the message goes
 * by socket instead: a lane never makes a sender wait, and the order of messages is the order of
 * their descriptors and sockets' messages on the one connection, whichever way the bytes went.
 */
import { closeSync, openSync, readSync, readvSync, statfsSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { TsmpiError } from '../errors.js';

/**
 * Bytes of a lane's ring: the most a sender may have written that its receiver has not read yet.
 * tmpfs allocates a lane's pages as they are first written and keeps them until the job ends, so
 * this is also the most memory a busy lane holds.
 */
export const LANE_CAPACITY_BYTES = 64 * 1024 * 1024;

/** Messages larger than this go by socket (so that a few fit in the ring at once). */
export const LANE_MAX_MESSAGE_BYTES = LANE_CAPACITY_BYTES / 4;

/**
 * A rank opens no lane when its job directory's file system has less room than this: lanes must
 * not fill a small /dev/shm (64 MiB in a container by default) that the boards of collectives
 * need, and a socket carries the messages just as well, only slower.
 */
export const LANE_MIN_FREE_BYTES = 4 * LANE_CAPACITY_BYTES;

// Frames start at multiples of 8 bytes in the ring, so that every element kind can be read
// into aligned memory with one preadv.
const FRAME_ALIGNMENT = 8;
const PADDING = Buffer.alloc(FRAME_ALIGNMENT);
// Where a receiver reads the padding after a frame; nobody looks at it.
const DISCARDED = Buffer.alloc(FRAME_ALIGNMENT);
// Descriptor: f64 the sender's count of ring bytes used after this message, u32 position of the
// first frame in the ring, u32 frame count, then u32 bytes of each frame.
const DESCRIPTOR_FIXED_BYTES = 16;
const READ_COUNT_SUFFIX = '.read';

/** The open files of a lane. */
interface LaneFiles {
  /** The ring. */
  readonly data: number;
  /** How far the receiver has read. */
  readonly readCount: number;
}

interface OutgoingLane extends LaneFiles {
  // Ring bytes used so far (a message's padding and any skip to the ring's start count too).
  written: number;
  // Where unread messages start, at the latest: the point of the last restart at the ring's
  // start with nothing unread (the receiver's count passes it once it reads the next message).
  unreadFrom: number;
}

/** Lanes to and from the other ranks of this node, for one rank. */
export class SharedMemoryLanes {
  readonly #dir: string;
  readonly #rank: number;
  readonly #outgoing = new Map<number, OutgoingLane | null>();
  readonly #incoming = new Map<number, LaneFiles>();
  readonly #count = Buffer.alloc(8);
  #closed = false;

  /** Lanes of world rank `rank`, in its node's job directory `dir`. */
  constructor(dir: string, rank: number) {
    this.#dir = dir;
    this.#rank = rank;
  }

  /**
   * Copies `frames` into the lane to world rank `dest` and returns the descriptor to send in their
   * place, or undefined when they must go by socket (too large, no room in the ring, or the lane
   * cannot be written; after a write fails, the lane is not used again).
   */
  write(dest: number, frames: readonly Buffer[]): Buffer | undefined {
    let bytes = 0;
    for (const frame of frames) bytes += alignedLength(frame.byteLength);
    if (bytes > LANE_MAX_MESSAGE_BYTES || this.#closed) return undefined;
    const lane = this.#outgoingLane(dest);
    if (lane === undefined) return undefined;
    let readByReceiver: number;
    try {
      readByReceiver = this.#readCount(lane.readCount);
    } catch (error) {
      this.#abandon(dest, lane, error as Error);
      return undefined;
    }
    let position = lane.written % LANE_CAPACITY_BYTES;
    // A message is never split across the ring's end: it starts again at 0. It also starts again
    // at 0 when the receiver has read everything, so that a lane's pages (which tmpfs keeps once
    // written) are as many as were ever in flight at once, not the whole ring.
    const empty = readByReceiver === lane.written;
    const restart = position + bytes > LANE_CAPACITY_BYTES || (empty && position >= bytes && position > 0);
    const skipped = restart ? LANE_CAPACITY_BYTES - position : 0;
    const used = lane.written + skipped + bytes;
    // After a restart with nothing unread, the skipped end of the ring holds nothing either.
    if (used - Math.max(readByReceiver, lane.unreadFrom) > LANE_CAPACITY_BYTES) return undefined;
    if (restart && empty) lane.unreadFrom = lane.written + skipped;
    if (restart) position = 0;
    const pieces: Buffer[] = [];
    for (const frame of frames) {
      pieces.push(frame);
      const padding = alignedLength(frame.byteLength) - frame.byteLength;
      if (padding > 0) pieces.push(PADDING.subarray(0, padding));
    }
    try {
      const done = writevSync(lane.data, pieces, position);
      if (done !== bytes) throw new Error(`wrote ${done} of ${bytes} bytes`);
    } catch (error) {
      this.#abandon(dest, lane, error as Error);
      return undefined;
    }
    lane.written = used;
    const descriptor = Buffer.allocUnsafe(DESCRIPTOR_FIXED_BYTES + 4 * frames.length);
    descriptor.writeDoubleLE(used, 0);
    descriptor.writeUInt32LE(position, 8);
    descriptor.writeUInt32LE(frames.length, 12);
    frames.forEach((frame, index) => descriptor.writeUInt32LE(frame.byteLength, DESCRIPTOR_FIXED_BYTES + 4 * index));
    return descriptor;
  }

  /**
   * Reads the frames that `descriptor` (from world rank `source`) places in the lane from
   * `source`, into memory of their own, and tells the sender that their region may be reused. A
   * message of one frame that fits in `into` is read into it instead (the frame is then a view of
   * `into`): a receive into the caller's memory needs no memory of its own.
   * @throws TsmpiError ERR_PROTOCOL when the descriptor is malformed; ERR_JOB when the lane cannot be read
   */
  read(source: number, descriptor: Uint8Array | undefined, into?: Uint8Array): Buffer[] {
    const { used, position, lengths } = parseDescriptor(descriptor, source);
    const path = this.#path(source, this.#rank);
    const frames: Buffer[] = [];
    const pieces: Buffer[] = [];
    let bytes = 0;
    const inPlace = into !== undefined && lengths.length === 1 && (lengths[0] as number) <= into.byteLength;
    for (const length of lengths) {
      const frame = inPlace ? Buffer.from(into.buffer, into.byteOffset, length) : Buffer.allocUnsafeSlow(length);
      frames.push(frame);
      pieces.push(frame);
      const padding = alignedLength(length) - length;
      if (padding > 0) pieces.push(DISCARDED.subarray(0, padding));
      bytes += length + padding;
    }
    try {
      let incoming = this.#incoming.get(source);
      if (incoming === undefined) {
        const data = openSync(path, 'r');
        try {
          incoming = { data, readCount: openSync(`${path}${READ_COUNT_SUFFIX}`, 'r+') };
        } catch (error) {
          closeQuietly(data);
          throw error;
        }
        this.#incoming.set(source, incoming);
      }
      const done = bytes === 0 ? 0 : readvSync(incoming.data, pieces, position);
      if (done !== bytes) throw new Error(`read ${done} of ${bytes} bytes`);
      this.#count.writeDoubleLE(used, 0);
      writeSync(incoming.readCount, this.#count, 0, 8, 0);
    } catch (error) {
      throw new TsmpiError('ERR_JOB', `rank ${this.#rank} cannot read a message from rank ${source} in shared memory (${path}): ${(error as Error).message}`, {
        cause: error,
      });
    }
    return frames;
  }

  /** Closes the lanes' files (the job's directory, with the files, goes when the job ends). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const lane of [...this.#outgoing.values(), ...this.#incoming.values()]) {
      if (lane === null) continue;
      closeQuietly(lane.data);
      closeQuietly(lane.readCount);
    }
    this.#outgoing.clear();
    this.#incoming.clear();
  }

  #outgoingLane(dest: number): OutgoingLane | undefined {
    const known = this.#outgoing.get(dest);
    if (known !== undefined) return known ?? undefined;
    const path = this.#path(this.#rank, dest);
    let lane: OutgoingLane | null;
    try {
      const room = statfsSync(this.#dir);
      if (room.bavail * room.bsize < LANE_MIN_FREE_BYTES) {
        this.#outgoing.set(dest, null);
        return undefined;
      }
      // The count exists before the ring: a receiver that finds the ring finds its count.
      const readCount = openSync(`${path}${READ_COUNT_SUFFIX}`, 'w+', 0o600);
      let data: number;
      try {
        this.#count.writeDoubleLE(0, 0);
        writeSync(readCount, this.#count, 0, 8, 0);
        data = openSync(path, 'w+', 0o600);
      } catch (error) {
        closeQuietly(readCount);
        throw error;
      }
      lane = { data, readCount, written: 0, unreadFrom: 0 };
    } catch (error) {
      lane = null;
      warnBySocket(this.#rank, dest, path, error as Error);
    }
    this.#outgoing.set(dest, lane);
    return lane ?? undefined;
  }

  #readCount(fd: number): number {
    const done = readSync(fd, this.#count, 0, 8, 0);
    if (done !== 8) throw new Error(`read ${done} of the 8 bytes that count what the receiver has read`);
    return this.#count.readDoubleLE(0);
  }

  #abandon(dest: number, lane: OutgoingLane, error: Error): void {
    closeQuietly(lane.data);
    closeQuietly(lane.readCount);
    this.#outgoing.set(dest, null);
    warnBySocket(this.#rank, dest, this.#path(this.#rank, dest), error);
  }

  #path(source: number, dest: number): string {
    return join(this.#dir, `lane-${source}-${dest}`);
  }
}

function alignedLength(bytes: number): number {
  return Math.ceil(bytes / FRAME_ALIGNMENT) * FRAME_ALIGNMENT;
}

function parseDescriptor(descriptor: Uint8Array | undefined, source: number): { used: number; position: number; lengths: number[] } {
  const malformed = (why: string): TsmpiError =>
    new TsmpiError('ERR_PROTOCOL', `received a shared-memory message from rank ${source} whose descriptor ${why}`);
  if (descriptor === undefined || descriptor.byteLength < DESCRIPTOR_FIXED_BYTES) throw malformed('is missing or short');
  const view = Buffer.from(descriptor.buffer, descriptor.byteOffset, descriptor.byteLength);
  const used = view.readDoubleLE(0);
  const position = view.readUInt32LE(8);
  const count = view.readUInt32LE(12);
  if (descriptor.byteLength !== DESCRIPTOR_FIXED_BYTES + 4 * count) throw malformed(`has ${descriptor.byteLength} bytes for ${count} frames`);
  const lengths: number[] = [];
  let bytes = 0;
  for (let index = 0; index < count; index++) {
    const length = view.readUInt32LE(DESCRIPTOR_FIXED_BYTES + 4 * index);
    lengths.push(length);
    bytes += alignedLength(length);
  }
  if (!Number.isSafeInteger(used) || used < 0 || position + bytes > LANE_CAPACITY_BYTES) {
    throw malformed(`places ${bytes} bytes at ${position} outside the ring`);
  }
  return { used, position, lengths };
}

function warnBySocket(rank: number, dest: number, path: string, error: Error): void {
  process.emitWarning(`tsmpi: rank ${rank} sends its large messages to rank ${dest} by socket: it cannot write ${path}: ${error.message}`);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed or never valid: nothing is left to release.
  }
}
