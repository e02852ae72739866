import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBody, encodeBody, LEND_FROM_BYTES, ownedBody } from '../../src/codec/value-codec.js';
import { Encoding, readHeader, writeHeader } from '../../src/codec/message-header.js';
import { isTsmpiError } from '../../src/errors.js';
import { difference, sampleValues } from '../fixtures/lib/sample-values.js';
import { describeSizedValue, describeValue } from '../../src/codec/describe-value.js';

const roundTrip = (value: unknown): unknown => {
  const body = encodeBody(value);
  return decodeBody(body.encoding, body.kindCode, body.frames);
};

describe('value codec', { timeout: 10_000 }, () => {
  for (const [name, value] of sampleValues()) {
    it(`round-trips ${name}`, () => {
      assert.equal(difference(value, roundTrip(value)), undefined);
    });
  }

  it('sends a top-level typed array as one raw frame, not through the serializer', () => {
    const array = new Float64Array([1, 2, 3]);
    const body = encodeBody(array);
    assert.equal(body.encoding, Encoding.RawArray);
    assert.equal(body.frames.length, 1);
    assert.equal(body.frames[0]?.byteLength, 24);
  });

  it('lifts nested typed arrays out of the packed frame', () => {
    const big = new Float64Array(10_000);
    const body = encodeBody({ a: [big], b: new Int8Array(3) });
    assert.equal(body.encoding, Encoding.PackedValue);
    assert.equal(body.frames.length, 3);
    assert.ok((body.frames[0]?.byteLength ?? Infinity) < 100, 'the packed frame must not hold the array bytes');
    assert.equal(body.frames[1]?.byteLength, 80_000);
  });

  it('copies the sender\'s bytes at the call, so the sender may reuse its buffer', () => {
    const array = new Int32Array([1, 2, 3]);
    const nested = { data: new Uint16Array([4, 5]) };
    const raw = encodeBody(array);
    const packed = encodeBody(nested);
    array.fill(0);
    nested.data.fill(0);
    assert.deepEqual(decodeBody(raw.encoding, raw.kindCode, raw.frames), new Int32Array([1, 2, 3]));
    assert.deepEqual(decodeBody(packed.encoding, packed.kindCode, packed.frames), { data: new Uint16Array([4, 5]) });
  });

  it('does not change the value it encodes', () => {
    const value = { list: [new Float32Array([1]), 2], map: new Map([['k', new Uint8Array([3])]]) };
    encodeBody(value);
    assert.ok(value.list[0] instanceof Float32Array);
    assert.ok(value.map.get('k') instanceof Uint8Array);
  });

  it('decodes misaligned received bytes by copying them', () => {
    const body = encodeBody(new Float64Array([1.5, 2.5]));
    const shifted = Buffer.alloc(17);
    shifted.set(body.frames[0] as Buffer, 1);
    const decoded = decodeBody(body.encoding, body.kindCode, [shifted.subarray(1)]) as Float64Array;
    assert.deepEqual([...decoded], [1.5, 2.5]);
    assert.equal(decoded.byteOffset, 0);
  });

  it('encodes a body decoded here into memory the decoded arrays take over, without a second copy', () => {
    const raw = encodeBody(new Int16Array([1, 2]), true);
    const packed = encodeBody({ small: new Int32Array([3, 4, 5]) }, true);
    const decodedRaw = decodeBody(raw.encoding, raw.kindCode, raw.frames) as Int16Array;
    const decodedPacked = decodeBody(packed.encoding, packed.kindCode, packed.frames) as { small: Int32Array };
    assert.deepEqual(decodedRaw, new Int16Array([1, 2]));
    assert.equal(decodedRaw.buffer, raw.frames[0]?.buffer);
    assert.deepEqual(decodedPacked.small, new Int32Array([3, 4, 5]));
    assert.equal(decodedPacked.small.buffer, packed.frames[1]?.buffer);
  });

  it('copies only the lent frames of a body for this very rank, into memory of their own', () => {
    const big = new Float64Array(LEND_FROM_BYTES / 8).fill(1.5);
    const body = encodeBody({ big, small: new Int8Array([7]) });
    assert.equal(body.lent, true);
    const owned = ownedBody(body);
    assert.equal(owned.lent, false);
    assert.equal(owned.frames[0], body.frames[0]);
    assert.equal(owned.frames[2], body.frames[2]);
    assert.notEqual(owned.frames[1]?.buffer, big.buffer);
    big.fill(0);
    const decoded = decodeBody(owned.encoding, owned.kindCode, owned.frames) as { big: Float64Array; small: Int8Array };
    assert.equal(decoded.big[0], 1.5);
    assert.equal(decoded.big.buffer, owned.frames[1]?.buffer);
    assert.deepEqual(decoded.small, new Int8Array([7]));
  });

  const unsendable: [string, unknown, RegExp][] = [
    ['a nested function', { data: { items: [1, 2, 3, { callback() {} }] } }, /^data\.data\.items\[3\]\.callback is a function/],
    ['a symbol', [Symbol('x')], /^data\[0\] is a symbol/],
    ['a circular structure', (() => { const a: unknown[] = []; a.push({ a }); return a; })(), /^data\[0\]\.a refers back/],
    ['a class instance', { when: new (class Sample {})() }, /^data\.when is an instance of Sample/],
    ['a Promise', { p: Promise.resolve() }, /^data\.p is a Promise/],
    ['a WeakMap in a Map value', new Map([['k', new WeakMap()]]), /^data\.get\("k"\) is a WeakMap/],
    ['a function in a Set', new Set([1, () => 2]), /^data<Set item 1> is a function/],
    ['an odd key', { 'my key': () => 1 }, /^data\["my key"\] is a function/],
    ['a Map subclass', { m: new (class Registry extends Map {})() }, /^data\.m is an instance of Registry, a subclass of Map/],
    ['an Array subclass', [new (class Vec extends Array {})()], /^data\[0\] is an instance of Vec, a subclass of Array/],
  ];
  for (const [name, value, message] of unsendable) {
    it(`refuses ${name}, naming its path`, () => {
      assert.throws(() => encodeBody(value), (error: unknown) => isTsmpiError(error, 'ERR_UNSENDABLE') && message.test(error.message));
    });
  }

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    assert.deepEqual(roundTrip([shared, shared]), [{ x: 1 }, { x: 1 }]);
  });

  it('rejects frames that are not a tsmpi message', () => {
    assert.throws(() => readHeader(Buffer.from('garbage')), (e: unknown) => isTsmpiError(e, 'ERR_PROTOCOL'));
    const header = writeHeader(Encoding.PackedValue, 0, 0, 0, 0);
    header[1] = 99;
    assert.throws(() => readHeader(header), (e: unknown) => isTsmpiError(e, 'ERR_PROTOCOL'));
    assert.throws(() => decodeBody(Encoding.RawArray, 77, [Buffer.alloc(8)]), (e: unknown) => isTsmpiError(e, 'ERR_PROTOCOL'));
    assert.throws(() => decodeBody(Encoding.RawArray, 9, [Buffer.alloc(7)]), (e: unknown) => isTsmpiError(e, 'ERR_PROTOCOL'));
    const truncated = Buffer.from([0x92, 1]);
    assert.throws(() => decodeBody(Encoding.PackedValue, 0, [truncated]), (e: unknown) => isTsmpiError(e, 'ERR_PROTOCOL'));
    const trailing = Buffer.from([1, 2, 3]);
    assert.throws(() => decodeBody(Encoding.PackedValue, 0, [trailing]), (e: unknown) => isTsmpiError(e, 'ERR_PROTOCOL'));
    const missingFrame = encodeBody({ a: new Float64Array(2) });
    assert.throws(() => decodeBody(missingFrame.encoding, 0, missingFrame.frames.slice(0, 1)), (e: unknown) => isTsmpiError(e, 'ERR_PROTOCOL'));
  });

  it('round-trips header fields', () => {
    const header = readHeader(writeHeader(Encoding.RawArray, 9, 123456, 7, 2 ** 31 - 1, 0xfedcba98));
    assert.deepEqual(header, { encoding: Encoding.RawArray, flags: 0, kindCode: 9, context: 123456, source: 7, tag: 2 ** 31 - 1, aux: 0xfedcba98 });
  });
});

describe('describeValue', () => {
  it('names what a value is, with the right article, never what it holds', () => {
    assert.equal(describeValue(new Float64Array(3)), 'a Float64Array');
    assert.equal(describeValue(new Int32Array(3)), 'an Int32Array');
    assert.equal(describeValue(new Uint8Array(3)), 'a Uint8Array');
    assert.equal(describeValue(Buffer.from('secret')), 'a Buffer');
    assert.equal(describeValue([1, 2, 3]), 'an array of 3 elements');
    assert.equal(describeValue(new Map()), 'a Map');
    assert.equal(describeValue(Object.create(null)), 'an object');
    assert.equal(describeValue('secret'), 'a string');
    assert.equal(describeValue(7), 'a number');
    assert.equal(describeValue(undefined), 'undefined');
    assert.equal(describeValue(null), 'null');
    assert.equal(describeValue({}), 'an object');
    assert.equal(describeValue([1]), 'an array of 1 element');
  });

  it('gives a binary array its length: elements, or bytes for a Buffer', () => {
    assert.equal(describeSizedValue(new Float64Array(3)), 'a Float64Array of 3 elements');
    assert.equal(describeSizedValue(new Int8Array(1)), 'an Int8Array of 1 element');
    assert.equal(describeSizedValue(Buffer.alloc(1)), 'a Buffer of 1 byte');
    assert.equal(describeSizedValue(new DataView(new ArrayBuffer(4))), 'a DataView');
    assert.equal(describeSizedValue('x'), 'a string');
  });
});
