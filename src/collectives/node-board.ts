/**
 * A board in shared memory where the ranks of a communicator that all run on one node post their
 * part of each collective call and read each other's, instead of exchanging messages.
 *
 * A message through libzmq costs two I/O-thread hand-offs and a wake-up at each end, some 34
 * system calls (docs/performance.md); a step on the board costs each rank three or four file
 * system calls on tmpfs and at most one wake-up, however many ranks take part. Node cannot map
 * memory into several processes, so the board is a set of small files that the ranks read and
 * write with pread/pwrite (a copy through the page cache, about 20 GB/s), and a rank that must
 * wait watches a "bell" file (inotify) that the rank completing a step writes to: one write wakes
 * every waiting rank.
 *
 * A call is one or two steps. In a step every rank posts (optionally) a value into its slot, then
 * marks that it has reached the step, then waits until the ranks it needs have reached it too
 * (every rank, one, or none). The slots of consecutive steps alternate between two sets. A rank
 * posts for step s + 1 only once every rank has reached step s (ready()), and a rank marks step s
 * only after it has read what it needed of step s - 1, so the set step s + 1 reuses has been read;
 * it also keeps every rank within one step of every other.
 *
 * Files of a board (in the node's private job directory):
 * - `steps-P` for step parity P (0, 1): first a byte per rank, the number (mod 256) of the last
 *   step of parity P it reached (one byte, so never seen half written), then one
 *   {@link SLOT_BYTES} slot per rank: a head, and the value posted for that step when it fits. A
 *   rank writes its slot, then its byte; one read of the file tells whether every rank has reached
 *   a step and what each posted.
 * - `spill-R-P`: rank R's value of step parity P when it does not fit its slot.
 * - `result`: the array a sliced allreduce combines, each rank writing its slice.
 * - `calls`: per rank the last {@link CALL_HISTORY} collective calls it made by messages (number,
 *   kind and root), so a rank waiting on the board sees a rank that made another call instead.
 * - `bell`: written to by a rank that finds that every rank has reached a step, or whose step
 *   releases others (bcast's root); every rank of the board watches it.
 *
 * Where every rank of the node has a core of its own, a rank that must wait first polls the steps
 * file for a few microseconds ({@link NodeBoardOptions.spinMicros}), as MPI's shared-memory
 * collectives do: the ranks it waits for usually arrive within that time, and a process woken
 * through inotify costs tens of microseconds. With ranks sharing cores it sleeps at once: polling
 * would take the core from the very rank it waits for.
 */
import { closeSync, mkdirSync, openSync, readSync, readvSync, watch, writeSync, writevSync, constants, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { TsmpiError } from '../errors.js';
import type { Encoding } from '../codec/message-header.js';
import type { EncodedBody } from '../codec/value-codec.js';

/** Bytes of a slot: its head and up to {@link INLINE_BYTES} of value. */
const SLOT_BYTES = 512;
const HEAD_BYTES = 32;
/** Values up to this many bytes (with their frame table) are posted inside the slot. */
const INLINE_BYTES = SLOT_BYTES - HEAD_BYTES;
/** Calls by messages remembered per rank in `calls`. */
const CALL_HISTORY = 64;
const CALL_BYTES = 8;
/**
 * How often a waiting rank looks at the board without being woken: a safety net for a mismatch
 * with a call made by messages (which does not ring the bell) and for a wake-up lost to a full
 * inotify queue. Not a poll for progress: steps wake their waiters at once.
 */
const RECHECK_MS = 1000;

const SLOT_FLAG_INLINE = 1;

// x86 keeps loads in program order (TSO): one read of a `steps-P` file that sees a rank's step byte
// also sees the slot that rank wrote before it.
const LOADS_IN_ORDER = process.arch === 'x64' || process.arch === 'ia32';

/** {@link NodeBoard.step} waits for every rank. */
export const EVERY_RANK = -1;
/** {@link NodeBoard.step} waits for no rank. */
export const NO_RANK = -2;

/** How a rank uses its board. */
export interface NodeBoardOptions {
  /**
   * How long a rank that must wait polls the board before it sleeps until the bell wakes it, in
   * microseconds; 0 (the default) sleeps at once.
   */
  readonly spinMicros?: number;
}

/** A range of bytes: `bytes` bytes from byte `offset`. */
export interface ByteRange {
  readonly offset: number;
  readonly bytes: number;
}

/** What a rank posted in its slot for a step. */
export interface SlotHead {
  /** The collective call's number on its communicator. */
  readonly seq: number;
  /** The call's kind, algorithm and root, as collective messages carry them (see collective-channel.ts). */
  readonly aux: number;
  readonly encoding: Encoding;
  readonly kindCode: number;
  /** Frames of the posted value; 0 when nothing was posted. */
  readonly frameCount: number;
  /** Bytes of the posted value (frame table and frames). */
  readonly bytes: number;
  readonly inline: boolean;
}

/** Makes the error a rank gets when rank `rank` made call `theirAux` where this one made its own. */
export type MismatchError = (rank: number, theirAux: number) => Error;

interface Waiting {
  readonly target: number;
  /** A rank, EVERY_RANK or NO_RANK. */
  readonly awaited: number;
  readonly seq: number;
  readonly aux: number;
  readonly mismatch: MismatchError;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** One rank's view of a communicator's board. */
export class NodeBoard {
  readonly #dir: string;
  readonly #size: number;
  readonly #rank: number;
  // The files `steps-0` and `steps-1`.
  readonly #stepFds: readonly [number, number];
  readonly #callsFd: number;
  readonly #bellFd: number;
  readonly #spillFds = new Map<string, number>();
  #resultFd: number | undefined;
  #scratch: readonly [Uint8Array, Uint8Array] | undefined;
  readonly #watcher: FSWatcher;
  // Steps this rank has reached, and the last step it knows every rank has reached.
  #step = 0;
  #allReached = 0;
  // The step this rank waits for, if any, and how that wait ends.
  #waiting: Waiting | undefined;
  readonly #recheck: NodeJS.Timeout;
  // How long a wait polls before it sleeps (NodeBoardOptions.spinMicros), in milliseconds.
  readonly #spinMs: number;
  #closed: Error | undefined;
  // The calls of this rank on the board run one after another (non-blocking ones included).
  #tail: Promise<unknown> = Promise.resolve();
  // The last read of a `steps-P` file: the ranks' step bytes, then their slots from #slotsAt.
  readonly #board: Uint8Array;
  // Where the slots start in a `steps-P` file: after the step bytes, 64-byte aligned.
  readonly #slotsAt: number;
  readonly #boardView: DataView;
  // This rank's slot as it writes it: the head, then an inline value.
  readonly #slot = new Uint8Array(SLOT_BYTES);
  readonly #slotView = new DataView(this.#slot.buffer);
  readonly #one = new Uint8Array(1);
  readonly #call = new Uint8Array(CALL_BYTES);
  readonly #callView = new DataView(this.#call.buffer);

  private constructor(dir: string, size: number, rank: number, options: NodeBoardOptions) {
    this.#spinMs = (options.spinMicros ?? 0) / 1000;
    this.#dir = dir;
    this.#size = size;
    this.#rank = rank;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // O_CREAT without O_EXCL: every rank may be the one creating a file; none truncates it.
    const open = (name: string): number => openSync(join(dir, name), constants.O_RDWR | constants.O_CREAT, 0o600);
    this.#stepFds = [open('steps-0'), open('steps-1')];
    this.#callsFd = open('calls');
    this.#bellFd = open('bell');
    this.#slotsAt = Math.ceil(size / 64) * 64;
    this.#board = new Uint8Array(this.#slotsAt + size * SLOT_BYTES);
    this.#boardView = new DataView(this.#board.buffer);
    this.#watcher = watch(join(dir, 'bell'), { persistent: false }, () => this.#check());
    this.#watcher.on('error', (error) => this.close(error));
    this.#recheck = setInterval(() => this.#check(), RECHECK_MS);
    this.#recheck.unref();
  }

  /**
   * Opens (creating where needed) the board in directory `dir` for a communicator of `size` ranks
   * as its rank `rank`. Every rank of the communicator must name the same directory.
   */
  static open(dir: string, size: number, rank: number, options: NodeBoardOptions = {}): NodeBoard {
    return new NodeBoard(dir, size, rank, options);
  }

  /**
   * Runs `task` once every earlier task of this rank on the board has ended, so that the steps of
   * concurrent (non-blocking) calls never interleave; every rank makes the calls in the same order.
   */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Posts this rank's value (or nothing) for its next step, with the call it belongs to. A value
   * that does not fit the slot goes to the rank's spill file of that step parity.
   * @param unread - bytes of a spilled single-frame value that no other rank reads (this rank's
   *   own slice of a sliced allreduce): they are left out of the spill file, one copy less
   */
  post(seq: number, aux: number, body: EncodedBody | undefined, unread?: ByteRange): void {
    const parity = (this.#step + 1) & 1;
    const frames = body?.frames ?? [];
    const tableBytes = frameTableBytes(frames.length);
    let bytes = tableBytes;
    for (const frame of frames) bytes += frame.byteLength;
    const inline = bytes <= INLINE_BYTES;
    const head = this.#slotView;
    head.setUint32(0, seq + 1, true);
    head.setUint32(4, aux, true);
    head.setUint32(8, body?.encoding ?? 0, true);
    head.setUint32(12, body?.kindCode ?? 0, true);
    head.setUint32(16, frames.length, true);
    head.setUint32(20, inline ? SLOT_FLAG_INLINE : 0, true);
    head.setFloat64(24, bytes, true);
    const fd = this.#stepFd(parity);
    const slotOffset = this.#slotsAt + this.#rank * SLOT_BYTES;
    if (inline) {
      let at = HEAD_BYTES + tableBytes;
      frames.forEach((frame, index) => {
        head.setUint32(HEAD_BYTES + 4 * index, frame.byteLength, true);
        this.#slot.set(frame, at);
        at += frame.byteLength;
      });
      writeSync(fd, this.#slot, 0, HEAD_BYTES + bytes, slotOffset);
      return;
    }
    const lengths = Buffer.allocUnsafe(tableBytes);
    frames.forEach((frame, index) => lengths.writeUInt32LE(frame.byteLength, 4 * index));
    const spillFd = this.#spillFd(this.#rank, parity);
    if (unread !== undefined && frames.length === 1) {
      const frame = frames[0] as Buffer;
      const end = unread.offset + unread.bytes;
      writevSync(spillFd, [lengths, frame.subarray(0, unread.offset)], 0);
      if (end < frame.byteLength) writeSync(spillFd, frame, end, frame.byteLength - end, tableBytes + end);
    } else {
      writevSync(spillFd, [lengths, ...frames], 0);
    }
    writeSync(fd, this.#slot, 0, HEAD_BYTES, slotOffset);
  }

  /**
   * Resolves once this rank may post for its next step: once every rank has reached this rank's
   * last step, and so has read what was posted for the step before it, whose slots the next step
   * reuses. After a step that waited for every rank this is known at once.
   */
  ready(seq: number, aux: number, mismatch: MismatchError): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const last = this.#step;
    if (last === 0 || this.#allReached >= last || this.#reached(last, EVERY_RANK) || this.#spin(last, EVERY_RANK)) return Promise.resolve();
    return this.#wait(last, EVERY_RANK, seq, aux, mismatch);
  }

  /**
   * Marks that this rank has reached its next step and resolves once `awaited` has reached it too
   * (a rank, {@link EVERY_RANK} or {@link NO_RANK}); then {@link head}, {@link frames} and
   * {@link readSpill} read what the awaited ranks posted for it. Call {@link ready} and
   * {@link post} first.
   * @param mismatch - the error for a rank found making another call instead (numbered `seq`, with `aux`)
   * @param releases - ranks may be waiting for this one alone (bcast's root): wake them
   */
  step(seq: number, aux: number, mismatch: MismatchError, awaited: number, releases = false): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const target = ++this.#step;
    this.#one[0] = target & 0xff;
    writeSync(this.#stepFd(target), this.#one, 0, 1, this.#rank);
    const satisfied = this.#reached(target, awaited);
    // Waiting ranks learn of it from the bell; every rank that finds the step complete rings it.
    if (releases || this.#allReached >= target) this.#ring();
    if (satisfied || this.#spin(target, awaited)) return Promise.resolve();
    return this.#wait(target, awaited, seq, aux, mismatch);
  }

  /** Polls the board for up to the spin time: true once `awaited` has reached `target`. */
  #spin(target: number, awaited: number): boolean {
    if (this.#spinMs === 0) return false;
    const deadline = performance.now() + this.#spinMs;
    while (performance.now() < deadline) {
      if (this.#reached(target, awaited)) return true;
    }
    return false;
  }

  #wait(target: number, awaited: number, seq: number, aux: number, mismatch: MismatchError): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting = { target, awaited, seq, aux, mismatch, resolve, reject };
      // The watcher keeps the process alive only while a rank waits on it.
      this.#watcher.ref();
    });
  }

  /** Ends the wait, if any, when its step is complete or a rank made another call. */
  #check(): void {
    const waiting = this.#waiting;
    if (waiting === undefined) return;
    try {
      if (this.#reached(waiting.target, waiting.awaited)) {
        this.#endWait();
        waiting.resolve();
        return;
      }
      const other = this.#announcedOtherCall(waiting.seq, waiting.aux);
      if (other !== undefined) {
        this.#endWait();
        waiting.reject(waiting.mismatch(other.rank, other.aux));
      }
    } catch (error) {
      this.#endWait();
      waiting.reject(error as Error);
    }
  }

  #endWait(): void {
    this.#waiting = undefined;
    this.#watcher.unref();
  }

  /** The number of the call rank `rank` posted for the step just completed (-1: none). */
  seqAt(rank: number): number {
    return this.#boardView.getUint32(this.#slotsAt + rank * SLOT_BYTES, true) - 1;
  }

  /** The aux word of the call rank `rank` posted for the step just completed. */
  auxAt(rank: number): number {
    return this.#boardView.getUint32(this.#slotsAt + rank * SLOT_BYTES + 4, true);
  }

  /** The head rank `rank` posted for the step just completed. */
  head(rank: number): SlotHead {
    const view = this.#boardView;
    const at = this.#slotsAt + rank * SLOT_BYTES;
    return {
      seq: view.getUint32(at, true) - 1,
      aux: view.getUint32(at + 4, true),
      encoding: view.getUint32(at + 8, true) as Encoding,
      kindCode: view.getUint32(at + 12, true),
      frameCount: view.getUint32(at + 16, true),
      inline: (view.getUint32(at + 20, true) & SLOT_FLAG_INLINE) !== 0,
      bytes: view.getFloat64(at + 24, true),
    };
  }

  /**
   * The frames rank `rank` posted for the step just completed, or `count` of them from frame
   * `first` on. Frames that were inline are views of the board's buffer, valid until the next
   * step: decoding copies every binary array that does not own its memory (typed-array-kinds.ts),
   * and a packed frame holds no binary data (value-codec.ts sends those as frames of their own).
   * Spilled frames are read into memory of their own, with one read for the ones asked for.
   */
  frames(rank: number, first = 0, count?: number): Buffer[] {
    const head = this.head(rank);
    const end = count === undefined ? head.frameCount : first + count;
    if (first < 0 || end > head.frameCount || first > end) {
      throw new TsmpiError('ERR_PROTOCOL', `rank ${rank} posted ${head.frameCount} frames on the board in ${this.#dir}, not frames ${first} to ${end - 1}`);
    }
    const frames: Buffer[] = [];
    if (head.inline) {
      const at = this.#slotsAt + rank * SLOT_BYTES + HEAD_BYTES;
      let offset = at + frameTableBytes(head.frameCount);
      for (let index = 0; index < end; index++) {
        const length = this.#boardView.getUint32(at + 4 * index, true);
        if (index >= first) frames.push(Buffer.from(this.#board.buffer, offset, length));
        offset += length;
      }
      return frames;
    }
    const fd = this.#spillFd(rank, this.#step & 1);
    const table = Buffer.allocUnsafe(frameTableBytes(head.frameCount));
    readExactly(fd, table, 0);
    let skipped = 0;
    let total = 0;
    for (let index = 0; index < end; index++) {
      const length = table.readUInt32LE(4 * index);
      if (index < first) {
        skipped += length;
        continue;
      }
      frames.push(Buffer.allocUnsafeSlow(length));
      total += length;
    }
    if (total > 0 && readvSync(fd, frames, table.byteLength + skipped) !== total) {
      throw new TsmpiError('ERR_PROTOCOL', `rank ${rank}'s value on the board in ${this.#dir} is shorter than its head says`);
    }
    return frames;
  }

  /**
   * The single frame rank `rank` posted inside its slot for the step just completed, as a view of
   * the board's buffer (8-byte aligned; valid until this rank's next step), or undefined when the
   * value has several frames or did not fit the slot.
   */
  inlineFrame(rank: number): Uint8Array | undefined {
    const at = this.#slotsAt + rank * SLOT_BYTES;
    const view = this.#boardView;
    if (view.getUint32(at + 16, true) !== 1 || (view.getUint32(at + 20, true) & SLOT_FLAG_INLINE) === 0) return undefined;
    const length = view.getUint32(at + HEAD_BYTES, true);
    return new Uint8Array(this.#board.buffer, at + HEAD_BYTES + frameTableBytes(1), length);
  }

  /**
   * Reads `into.byteLength` bytes of the single frame rank `rank` spilled for the step just
   * completed, from byte `offset` of that frame.
   */
  readSpill(rank: number, offset: number, into: Uint8Array): void {
    readExactly(this.#spillFd(rank, this.#step & 1), into, frameTableBytes(1) + offset);
  }

  /** Writes `bytes` at `offset` of the board's result array. */
  writeResult(offset: number, bytes: Uint8Array): void {
    writeSync(this.#resultFileFd(), bytes, 0, bytes.byteLength, offset);
  }

  /** Reads `into.byteLength` bytes of the board's result array, from byte `offset`, into `into`. */
  readResult(into: Uint8Array, offset = 0): void {
    readExactly(this.#resultFileFd(), into, offset);
  }

  /**
   * Two arrays of `bytes` bytes, each at the start of an ArrayBuffer of its own (any kind of array
   * can view it), for this rank's work between steps. The memory is kept from call to call, and
   * replaced only when a call needs more: memory first touched costs a page fault per 4 KiB, which
   * on some virtual machines costs more than the copies themselves.
   */
  scratch(bytes: number): readonly [Uint8Array, Uint8Array] {
    if (this.#scratch === undefined || this.#scratch[0].byteLength < bytes) this.#scratch = [new Uint8Array(bytes), new Uint8Array(bytes)];
    return [this.#scratch[0].subarray(0, bytes), this.#scratch[1].subarray(0, bytes)];
  }

  /**
   * Records a call this rank makes by messages, so that a rank waiting on the board in a call of
   * the same number sees the mismatch instead of waiting for ever.
   */
  announce(seq: number, aux: number): void {
    if (this.#closed !== undefined) return;
    this.#callView.setUint32(0, seq + 1, true);
    this.#callView.setUint32(4, aux, true);
    writeSync(this.#callsFd, this.#call, 0, CALL_BYTES, (this.#rank * CALL_HISTORY + (seq % CALL_HISTORY)) * CALL_BYTES);
  }

  /** Fails a waiting step with `error` and releases the board's files; later steps fail too. */
  close(error: Error): void {
    if (this.#closed !== undefined) return;
    this.#closed = error;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(error);
    clearInterval(this.#recheck);
    this.#watcher.close();
    for (const fd of [...this.#stepFds, this.#callsFd, this.#bellFd, ...this.#spillFds.values()]) closeSync(fd);
    if (this.#resultFd !== undefined) closeSync(this.#resultFd);
  }

  /**
   * Reads the `steps-P` file of `target`'s parity, notes whether every rank has reached `target`,
   * and tells whether `awaited` has; if so, the slots just read are the ones posted for it.
   */
  #reached(target: number, awaited: number): boolean {
    const board = this.#board;
    const fd = this.#stepFd(target);
    const read = readSync(fd, board, 0, board.byteLength, 0);
    // Files start empty, and a rank that has not yet posted there has nothing in them.
    if (read < board.byteLength) board.fill(0, read);
    // A rank one step further has written the other file; two steps further none can be, as a
    // rank posts only once every rank has reached its last step (ready()).
    const want = target & 0xff;
    let all = true;
    for (let rank = 0; rank < this.#size; rank++) {
      if (board[rank] !== want) {
        all = false;
        break;
      }
    }
    if (all && target > this.#allReached) this.#allReached = target;
    const satisfied = awaited === EVERY_RANK ? all : awaited === NO_RANK || board[awaited] === want;
    // Every rank wrote its slot before its step byte, and x86 orders the loads of one read; where
    // the processor may reorder them, the slots are read again, after the step bytes.
    if (satisfied && !LOADS_IN_ORDER) readSync(fd, board, this.#slotsAt, board.byteLength - this.#slotsAt, this.#slotsAt);
    return satisfied;
  }

  /** The `steps-P` file of step (or parity) `step`. */
  #stepFd(step: number): number {
    return (step & 1) === 0 ? this.#stepFds[0] : this.#stepFds[1];
  }

  #ring(): void {
    writeSync(this.#bellFd, this.#one, 0, 1, 0);
  }

  /** A rank that announced a call numbered `seq` other than this rank's (`aux`), if any. */
  #announcedOtherCall(seq: number, aux: number): { rank: number; aux: number } | undefined {
    for (let rank = 0; rank < this.#size; rank++) {
      if (rank === this.#rank) continue;
      const read = readSync(this.#callsFd, this.#call, 0, CALL_BYTES, (rank * CALL_HISTORY + (seq % CALL_HISTORY)) * CALL_BYTES);
      if (read < CALL_BYTES) continue;
      if (this.#callView.getUint32(0, true) === seq + 1 && this.#callView.getUint32(4, true) !== aux) {
        return { rank, aux: this.#callView.getUint32(4, true) };
      }
    }
    return undefined;
  }

  #spillFd(rank: number, parity: number): number {
    const name = `spill-${rank}-${parity}`;
    let fd = this.#spillFds.get(name);
    if (fd === undefined) {
      fd = openSync(join(this.#dir, name), constants.O_RDWR | constants.O_CREAT, 0o600);
      this.#spillFds.set(name, fd);
    }
    return fd;
  }

  #resultFileFd(): number {
    this.#resultFd ??= openSync(join(this.#dir, 'result'), constants.O_RDWR | constants.O_CREAT, 0o600);
    return this.#resultFd;
  }
}

/**
 * Bytes of the table of frame lengths that precedes a posted value: 4 per frame, rounded up to 8
 * so that the frames of an inline value start 8-byte aligned in the board's buffer, where a
 * Float64Array can view them.
 */
export function frameTableBytes(frameCount: number): number {
  return Math.ceil(frameCount / 2) * 8;
}

function readExactly(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.byteLength) {
    const read = readSync(fd, into, done, into.byteLength - done, position + done);
    if (read === 0) throw new TsmpiError('ERR_PROTOCOL', `a file of the board ends ${into.byteLength - done} bytes early`);
    done += read;
  }
}
