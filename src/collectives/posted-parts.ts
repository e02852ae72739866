/**
 * A list of values, one per rank, posted on a node's board so that each rank reads only its own
 * (scatter's root, every rank of an alltoall). Each value is encoded on its own, as a message
 * would be, and the posting's frames are an index (per part: its encoding, kind code and number
 * of frames, three u32 each), then every part's frames in order. A rank reads the index and then
 * its part's frames alone: at np 8 with 1 MiB parts it reads 1 MiB of the root's 8, not all 8.
 */
import { TsmpiError } from '../errors.js';
import { decodeBody, encodeBody, type EncodedBody } from '../codec/value-codec.js';
import { Encoding } from '../codec/message-header.js';
import type { NodeBoard } from './node-board.js';

const INDEX_ENTRY_BYTES = 12;

/**
 * The body that posts `values` as parts (its head says PackedValue; only {@link postedPart} reads
 * it), without part `own`, the poster's own, which nobody reads.
 */
export function encodeParts(values: readonly unknown[], own: number): EncodedBody {
  const index = Buffer.alloc(INDEX_ENTRY_BYTES * values.length);
  const frames: Buffer[] = [index];
  let lent = false;
  values.forEach((value, part) => {
    if (part === own) return;
    const body = encodeBody(value);
    index.writeUInt32LE(body.encoding, INDEX_ENTRY_BYTES * part);
    index.writeUInt32LE(body.kindCode, INDEX_ENTRY_BYTES * part + 4);
    index.writeUInt32LE(body.frames.length, INDEX_ENTRY_BYTES * part + 8);
    for (const frame of body.frames) frames.push(frame);
    lent ||= body.lent;
  });
  return { encoding: Encoding.PackedValue, kindCode: 0, frames, lent };
}

/**
 * Part `part` of the parts rank `rank` posted for the step just completed, decoded into memory of
 * its own.
 * @throws TsmpiError ERR_PROTOCOL when the posting has no such part
 */
export function postedPart(board: NodeBoard, rank: number, part: number): unknown {
  const [index] = board.frames(rank, 0, 1);
  if (index === undefined || index.byteLength < INDEX_ENTRY_BYTES * (part + 1)) {
    throw new TsmpiError('ERR_PROTOCOL', `rank ${rank} posted no part ${part} on the board`);
  }
  let first = 1;
  for (let earlier = 0; earlier < part; earlier++) first += index.readUInt32LE(INDEX_ENTRY_BYTES * earlier + 8);
  const at = INDEX_ENTRY_BYTES * part;
  const encoding = index.readUInt32LE(at) as Encoding;
  const kindCode = index.readUInt32LE(at + 4);
  return decodeBody(encoding, kindCode, board.frames(rank, first, index.readUInt32LE(at + 8)));
}
