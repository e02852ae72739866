/**
 * The first frame of every message: a fixed 20-byte little-endian header that says who sent it,
 * in which context, with which tag, and how the frames after it encode the value.
 *
 * ```
 * offset 0  u8   magic (0xA7)
 *        1  u8   encoding (RAW_ARRAY | PACKED_VALUE | ARRIVAL_ACK)
 *        2  u8   raw array kind code (RAW_ARRAY only)
 *        3  u8   flags: bit 0 = the sender lent its own memory and waits for an ARRIVAL_ACK;
 *                bit 1 = the body is in the sender's lane in shared memory, the one frame after
 *                the header says where (comm/shared-memory-lanes.ts)
 *        4  u32  context id (communicator and point-to-point / collective traffic)
 *        8  i32  source rank in the world
 *       12  i32  tag
 *       16  u32  aux: 0 for point-to-point; for collectives, which call sent it (kind and root),
 *                so that ranks calling different collectives are told instead of mixed up
 * ```
 */
import { TsmpiError } from '../errors.js';
import { lendBytes } from './typed-array-kinds.js';

/** Size of the header frame in bytes. */
export const HEADER_BYTES = 20;

const MAGIC = 0xa7;

/** How the frames after the header encode the value. */
export const Encoding = {
  /** One frame: the bytes of a top-level Buffer or TypedArray. */
  RawArray: 1,
  /** One msgpack frame, then one frame per binary array lifted out of the value. */
  PackedValue: 2,
  /**
   * No body: the sender's transport has read the oldest message this rank sent it with
   * {@link HeaderFlags.AckRequested}, so this rank may let its memory go.
   */
  ArrivalAck: 3,
} as const;

/** Bits of the header's flags byte. */
export const HeaderFlags = {
  /**
   * The body frames are the sender's own memory, sent without a copy; the sender's send completes
   * when the receiver answers with {@link Encoding.ArrivalAck}.
   */
  AckRequested: 1,
  /**
   * The body frames were copied into the sender's lane to this rank in shared memory; the one
   * frame after the header is their descriptor (see comm/shared-memory-lanes.ts).
   */
  InLane: 2,
} as const;

const KNOWN_FLAGS = HeaderFlags.AckRequested | HeaderFlags.InLane;

/** One of the {@link Encoding} values. */
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

/** The fields of a header. */
export interface MessageHeader {
  readonly encoding: Encoding;
  readonly kindCode: number;
  readonly context: number;
  readonly source: number;
  readonly tag: number;
  readonly aux: number;
  /** {@link HeaderFlags} bits. */
  readonly flags: number;
}

/** Writes a header frame. */
export function writeHeader(
  encoding: Encoding,
  kindCode: number,
  context: number,
  source: number,
  tag: number,
  aux = 0,
  flags = 0,
): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES);
  frame[0] = MAGIC;
  frame[1] = encoding;
  frame[2] = kindCode;
  frame[3] = flags;
  frame.writeUInt32LE(context, 4);
  frame.writeInt32LE(source, 8);
  frame.writeInt32LE(tag, 12);
  frame.writeUInt32LE(aux, 16);
  return frame;
}

/**
 * Reads a header frame.
 * @throws TsmpiError ERR_PROTOCOL when the frame is not a tsmpi header
 */
export function readHeader(frame: Uint8Array | undefined): MessageHeader {
  if (frame === undefined || frame.byteLength !== HEADER_BYTES || frame[0] !== MAGIC) {
    throw new TsmpiError(
      'ERR_PROTOCOL',
      `received a message whose first frame is not a tsmpi header (${frame?.byteLength ?? 0} bytes)`,
    );
  }
  // Frames from the transport are Buffers; anything else (tests, fuzzing) is viewed as one.
  const view = lendBytes(frame);
  const encoding = view[1] as Encoding;
  if (encoding !== Encoding.RawArray && encoding !== Encoding.PackedValue && encoding !== Encoding.ArrivalAck) {
    throw new TsmpiError('ERR_PROTOCOL', `received a message with unknown encoding ${encoding}`);
  }
  const flags = view[3] as number;
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new TsmpiError('ERR_PROTOCOL', `received a message with unknown header flags 0x${flags.toString(16)}`);
  }
  return {
    encoding,
    flags,
    kindCode: view[2] as number,
    context: view.readUInt32LE(4),
    source: view.readInt32LE(8),
    tag: view.readInt32LE(12),
    aux: view.readUInt32LE(16),
  };
}
