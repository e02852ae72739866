/**
 * Fuzzing the receive path of the codec: whatever bytes arrive (random frames, or real messages
 * with bytes flipped, cut, added, or frames dropped and reordered), decoding either yields a value
 * or throws TsmpiError ERR_PROTOCOL; never another error, a crash, or a hang. A rank authenticates
 * its peers, so this is defence in depth against a buggy or corrupted peer, not the first line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBody, encodeBody } from '../../src/codec/value-codec.js';
import { readHeader, writeHeader } from '../../src/codec/message-header.js';
import { isTsmpiError } from '../../src/errors.js';
import { sampleValues } from '../fixtures/lib/sample-values.js';

/** Decodes a whole message as the messenger and a receive do; returns how it went. */
function decodeMessage(frames: readonly Uint8Array[]): 'decoded' | 'refused' {
  try {
    const header = readHeader(frames[0]);
    decodeBody(header.encoding, header.kindCode, frames.slice(1));
    return 'decoded';
  } catch (error) {
    if (isTsmpiError(error, 'ERR_PROTOCOL')) return 'refused';
    throw new Error(`decoding threw something other than ERR_PROTOCOL: ${String(error)}`, { cause: error });
  }
}

/** A message as a rank sends it: the header frame, then the body frames. */
function messageOf(value: unknown, tag: number): Buffer[] {
  const body = encodeBody(value);
  return [writeHeader(body.encoding, body.kindCode, 0, 1, tag), ...body.frames];
}

const frame = fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes));
// A header that passes readHeader, so the body decoder gets to see the random bytes.
const validHeader = fc
  .record({ encoding: fc.constantFrom(1, 2), kind: fc.integer({ min: 0, max: 255 }), tag: fc.integer({ min: 0, max: 2 ** 31 - 1 }) })
  .map(({ encoding, kind, tag }) => writeHeader(encoding as 1 | 2, kind, 0, 0, tag));

// Values the encoder accepts, beyond the fixed samples: JSON-like trees with binary leaves.
const leaf = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt(),
  fc.date({ noInvalidDate: true }),
  fc.uint8Array({ maxLength: 16 }).map((bytes) => new Float32Array(bytes.buffer.slice(0, bytes.byteLength - (bytes.byteLength % 4)))),
);
const value = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 6 }), tie('tree'), { maxKeys: 4 })),
})).tree;
const sampled = fc.constantFrom(...sampleValues().map(([, sample]) => sample));

/** Ways a real message gets damaged on its way. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), frame: fc.nat(), offset: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), frame: fc.nat(), keep: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), frame: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('drop' as const), frame: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), frame: fc.nat() }),
  fc.record({ kind: fc.constant('overwrite' as const), frame: fc.nat(), offset: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(frames: readonly Uint8Array[], change: Mutation): Uint8Array[] {
  const out: Uint8Array[] = frames.map((f) => Buffer.from(f));
  if (out.length === 0) return out;
  const index = change.frame % out.length;
  const target = out[index] as Uint8Array;
  switch (change.kind) {
    case 'flip':
      if (target.length > 0) target[change.offset % target.length] = (target[change.offset % target.length] as number) ^ change.bits;
      break;
    case 'truncate':
      out[index] = target.subarray(0, change.keep % (target.length + 1));
      break;
    case 'extend':
      out[index] = Buffer.concat([target, change.bytes]);
      break;
    case 'drop':
      out.splice(index, 1);
      break;
    case 'duplicate':
      out.splice(index, 0, Buffer.from(target));
      break;
    case 'overwrite':
      if (target.length > 0) target.set(change.bytes.subarray(0, target.length - (change.offset % target.length)), change.offset % target.length);
      break;
  }
  return out;
}

describe('frame decoder fuzzing', { timeout: 120_000 }, () => {
  it('refuses random frames with ERR_PROTOCOL and nothing else', () => {
    fc.assert(fc.property(fc.array(frame, { maxLength: 5 }), (frames) => void decodeMessage(frames)), { numRuns: 5000 });
  });

  it('refuses random bodies behind a valid header with ERR_PROTOCOL and nothing else', () => {
    fc.assert(
      fc.property(validHeader, fc.array(frame, { maxLength: 4 }), (header, body) => void decodeMessage([header, ...body])),
      { numRuns: 5000 },
    );
  });

  it('decodes or refuses damaged real messages, never anything else', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.oneof(value, sampled), fc.array(mutation, { minLength: 1, maxLength: 3 }), (original, changes) => {
        const frames = changes.reduce<Uint8Array[]>((acc, change) => mutate(acc, change), messageOf(original, 7));
        if (decodeMessage(frames) === 'refused') refused++;
      }),
      { numRuns: 5000 },
    );
    // The mutations must actually reach the refusal paths, or this test proves nothing.
    assert.ok(refused > 500, `only ${refused} of 5000 damaged messages were refused`);
  });

  it('still decodes undamaged real messages (the harness itself is sound)', () => {
    fc.assert(fc.property(fc.oneof(value, sampled), (original) => decodeMessage(messageOf(original, 3)) === 'decoded'), { numRuns: 500 });
  });
});
