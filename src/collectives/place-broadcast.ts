/**
 * bcastInto's last step on a rank other than the root: the broadcast value, received by whichever
 * algorithm ran, goes into the caller's buffer, or the mismatch is reported.
 */
import { TsmpiError } from '../errors.js';
import { lendBytes, rawArrayKindOf, type RawArray } from '../codec/typed-array-kinds.js';
import { describeSizedValue } from '../codec/describe-value.js';

/**
 * The broadcast value `value` a rank other than the root received, copied into `into` when given
 * (after this rank has done its part, so that an error here leaves no other rank waiting).
 * @throws TsmpiError ERR_TRUNCATE when `value` is not a binary array of `into`'s kind and length
 */
export function placeBroadcast<T>(value: T, into: T | undefined, root: number): T {
  if (into === undefined) return value;
  const buffer = into as RawArray;
  if (rawArrayKindOf(value) !== rawArrayKindOf(buffer) || (value as RawArray).byteLength !== buffer.byteLength) {
    throw new TsmpiError('ERR_TRUNCATE', `bcastInto: the root (rank ${root}) broadcast ${describeSizedValue(value)} where this rank's buffer is ${describeSizedValue(buffer)}`);
  }
  lendBytes(buffer).set(lendBytes(value as RawArray));
  return into;
}
