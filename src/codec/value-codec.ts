/**
 * Turns a value into the frames of a message body and back. A top-level Buffer/TypedArray is one
 * raw frame; anything else is one msgpack frame plus one raw frame per nested binary array.
 */
import { createRequire } from 'node:module';
import type * as Msgpackr from 'msgpackr';
import { TsmpiError } from '../errors.js';
import { Encoding } from './message-header.js';
import { NegativeZero, OutOfBandArray, prepareValue } from './value-preparation.js';
import { copyBytes, copyBytesToOwnMemory, lendBytes, rawArrayKindByCode, rawArrayKindOf, viewReceivedBytes } from './typed-array-kinds.js';

/** An encoded message body: how it is encoded and the frames that carry it. */
export interface EncodedBody {
  readonly encoding: Encoding;
  /** The raw array kind, for {@link Encoding.RawArray}; 0 otherwise. */
  readonly kindCode: number;
  readonly frames: Buffer[];
  /**
   * True when some frame is the caller's own memory (a binary array of {@link LEND_FROM_BYTES}
   * or more): the caller must leave it unchanged until the send completes.
   */
  readonly lent: boolean;
}

/**
 * Binary arrays from this size on are sent from the caller's memory instead of a copy. Copying a
 * large array (and collecting the copy) costs more than the arrival acknowledgement a lent array
 * needs; below it, the copy is cheaper and lets the send complete at once.
 */
export const LEND_FROM_BYTES = 64 * 1024;

// msgpackr's CommonJS build is one file and loads in about 20 ms against 33 ms for its ES module
// build, in every rank and in tsmpiexec. It is also a module instance of its own, apart from the
// ES module build a program importing msgpackr gets; and its extensions are instance-wide anyway,
// so the only ones registered are for classes private to tsmpi: a user's own msgpackr keeps
// encoding Maps, TypedArrays and everything else as before.
const { Packr, Unpackr, addExtension } = createRequire(import.meta.url)('msgpackr') as typeof Msgpackr;
const OUT_OF_BAND_EXTENSION_TYPE = 0x6f;
const NEGATIVE_ZERO_EXTENSION_TYPE = 0x6e;

// The frames of the message being unpacked; unpacking is synchronous, so one slot is enough.
let framesBeingDecoded: readonly Uint8Array[] = [];

addExtension({
  Class: OutOfBandArray,
  type: OUT_OF_BAND_EXTENSION_TYPE,
  write: (ref: OutOfBandArray) => [ref.frameIndex, ref.kindCode],
  read: ([frameIndex, kindCode]: [number, number]) => {
    const kind = rawArrayKindByCode(kindCode);
    const bytes = framesBeingDecoded[frameIndex + 1];
    if (kind === undefined || bytes === undefined) {
      throw new TsmpiError('ERR_PROTOCOL', `message refers to binary frame ${frameIndex} of kind ${kindCode}, which it lacks`);
    }
    return viewReceivedBytes(kind, bytes);
  },
});

addExtension({
  Class: NegativeZero,
  type: NEGATIVE_ZERO_EXTENSION_TYPE,
  write: () => 0,
  read: () => -0,
});

// Records keep plain objects and Maps apart; moreTypes carries Set, Error, RegExp, ArrayBuffer;
// bigints of any size stay bigints.
const PACK_OPTIONS = { useRecords: true, moreTypes: true, useBigIntExtension: true } as const;
const packr = new Packr(PACK_OPTIONS);
const unpackr = new Unpackr(PACK_OPTIONS);

/**
 * Encodes `value` for sending. Small binary arrays and everything else are copied, so the caller
 * may change them as soon as this returns; binary arrays of {@link LEND_FROM_BYTES} or more are
 * lent (see {@link EncodedBody.lent}). With `decodedHere` (a body this process decodes itself)
 * every binary array is copied, into memory of its own that the decoded value can take over.
 * @throws TsmpiError ERR_UNSENDABLE when part of the value cannot be sent
 */
export function encodeBody(value: unknown, decodedHere = false): EncodedBody {
  const copy = decodedHere ? copyBytesToOwnMemory : copyBytes;
  const kind = rawArrayKindOf(value);
  if (kind !== undefined) {
    const array = value as ArrayBufferView;
    const lent = !decodedHere && array.byteLength >= LEND_FROM_BYTES;
    return { encoding: Encoding.RawArray, kindCode: kind.code, frames: [lent ? lendBytes(array) : copy(array)], lent };
  }
  const { packable, frames, lent } = prepareValue(value, decodedHere ? Infinity : LEND_FROM_BYTES, copy);
  // msgpackr never overwrites a buffer it returned, so the packed frame can be sent without a copy.
  const packed = packr.pack(packable);
  frames.unshift(packed);
  return { encoding: Encoding.PackedValue, kindCode: 0, frames, lent };
}

/**
 * The same body over private copies of its lent frames, for delivery to this very rank, which
 * decodes the copies without copying them again.
 */
export function ownedBody(body: EncodedBody): EncodedBody {
  if (!body.lent) return body;
  // Binary arrays of LEND_FROM_BYTES or more were lent; the packed frame and smaller arrays are
  // copies already.
  const firstArray = body.encoding === Encoding.PackedValue ? 1 : 0;
  const frames = body.frames.map((frame, index) => (index >= firstArray && frame.byteLength >= LEND_FROM_BYTES ? copyBytesToOwnMemory(frame) : frame));
  return { ...body, frames, lent: false };
}

/**
 * Decodes a message body. Binary arrays are views of the received frames where alignment allows.
 * @throws TsmpiError ERR_PROTOCOL when the frames do not decode
 */
export function decodeBody(encoding: Encoding, kindCode: number, frames: readonly Uint8Array[]): unknown {
  if (encoding === Encoding.RawArray) {
    const kind = rawArrayKindByCode(kindCode);
    const bytes = frames[0];
    if (kind === undefined || bytes === undefined || frames.length !== 1) {
      throw new TsmpiError('ERR_PROTOCOL', `malformed raw array message (kind ${kindCode}, ${frames.length} frames)`);
    }
    try {
      return viewReceivedBytes(kind, bytes);
    } catch (error) {
      throw new TsmpiError('ERR_PROTOCOL', `malformed raw array message: ${(error as Error).message}`, { cause: error });
    }
  }
  const packed = frames[0];
  if (packed === undefined) throw new TsmpiError('ERR_PROTOCOL', 'a packed message has no body frame');
  framesBeingDecoded = frames;
  try {
    return unpackr.unpack(packed);
  } catch (error) {
    if (error instanceof TsmpiError) throw error;
    throw new TsmpiError('ERR_PROTOCOL', `a message body does not decode: ${(error as Error).message}`, { cause: error });
  } finally {
    framesBeingDecoded = [];
  }
}

/** The number of payload bytes in `frames` (what a receive's status reports as its size). */
export function bodySize(frames: readonly Uint8Array[]): number {
  let size = 0;
  for (const frame of frames) size += frame.byteLength;
  return size;
}

/**
 * A copy of `value` as a receiver would get it. Collectives return the caller's own contribution
 * through this, so that results never alias the caller's arguments, whatever the rank count.
 */
export function cloneValue<T>(value: T): T {
  const body = encodeBody(value, true);
  return decodeBody(body.encoding, body.kindCode, body.frames) as T;
}
