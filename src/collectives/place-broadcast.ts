/**
 * bcastInto's last step on a rank other than the root: the broadcast value, received by whichever
 * algorithm ran, goes into the caller's buffer, or the mismatch is reported.
 */
import { TsmpiError } from '../errors.js';
import { rawArrayKindOf, type RawArray, type RawArrayKind } from '../codec/typed-array-kinds.js';
import { describeValue, withArticle } from '../codec/describe-value.js';

/**
 * The broadcast value `value` a rank other than the root received, copied into `into` when given
 * (after this rank has done its part, so that an error here leaves no other rank waiting).
 * @throws TsmpiError ERR_TRUNCATE when `value` is not a binary array of `into`'s kind and length
 */
export function placeBroadcast<T>(value: T, into: T | undefined, root: number): T {
  if (into === undefined) return value;
  const buffer = into as RawArray;
  const kind = rawArrayKindOf(buffer) as RawArrayKind;
  if (rawArrayKindOf(value) !== kind || (value as RawArray).byteLength !== buffer.byteLength) {
    const what = rawArrayKindOf(value) === undefined ? describeValue(value) : `${describeValue(value)} of ${(value as RawArray).length}`;
    throw new TsmpiError('ERR_TRUNCATE', `bcastInto: the root (rank ${root}) broadcast ${what} where this rank's buffer is ${withArticle(kind.name)} of ${buffer.length}`);
  }
  const array = value as RawArray;
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return into;
}
