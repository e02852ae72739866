/**
 * The table of binary value kinds that travel as raw bytes, with the one-byte code each carries on
 * the wire. Buffer is its own kind so that a Buffer arrives as a Buffer and a Uint8Array as a
 * Uint8Array.
 */

/** Any binary view tsmpi sends as raw bytes. */
export type RawArray =
  | Buffer
  | Uint8Array
  | Uint8ClampedArray
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** One kind of binary array tsmpi sends raw: its wire code, name, element size and view maker. */
export interface RawArrayKind {
  readonly code: number;
  readonly name: string;
  readonly bytesPerElement: number;
  /** Builds a view of this kind over `length` elements of `buffer` from `byteOffset`. */
  readonly view: (buffer: ArrayBufferLike, byteOffset: number, length: number) => RawArray;
}

function kind(
  code: number,
  ctor: { new (b: ArrayBufferLike, o: number, l: number): RawArray; BYTES_PER_ELEMENT: number; name: string },
): RawArrayKind {
  return {
    code,
    name: ctor.name,
    bytesPerElement: ctor.BYTES_PER_ELEMENT,
    view: (buffer, byteOffset, length) => new ctor(buffer, byteOffset, length),
  };
}

const KINDS: readonly RawArrayKind[] = [
  {
    code: 0,
    name: 'Buffer',
    bytesPerElement: 1,
    view: (buffer, byteOffset, length) => Buffer.from(buffer, byteOffset, length),
  },
  kind(1, Uint8Array),
  kind(2, Uint8ClampedArray),
  kind(3, Int8Array),
  kind(4, Uint16Array),
  kind(5, Int16Array),
  kind(6, Uint32Array),
  kind(7, Int32Array),
  kind(8, Float32Array),
  kind(9, Float64Array),
  kind(10, BigInt64Array),
  kind(11, BigUint64Array),
];

const KIND_BY_CONSTRUCTOR = new Map<unknown, RawArrayKind>(
  KINDS.filter((k) => k.code !== 0).map((k) => [globalThis[k.name as keyof typeof globalThis], k]),
);

/**
 * The kind of `value` when it is a Buffer or a TypedArray tsmpi sends raw, else undefined.
 * DataView and typed arrays of other realms' subclasses are not raw arrays.
 */
export function rawArrayKindOf(value: unknown): RawArrayKind | undefined {
  if (!ArrayBuffer.isView(value)) return undefined;
  if (Buffer.isBuffer(value)) return KINDS[0];
  return KIND_BY_CONSTRUCTOR.get(value.constructor);
}

/** The kind with wire code `code`, or undefined for an unknown code. */
export function rawArrayKindByCode(code: number): RawArrayKind | undefined {
  return KINDS[code];
}

/**
 * A private copy of the bytes of `array`. Sending needs one because libzmq reads buffers above
 * 128 bytes after send() resolves, and the sender may change its array then. Small copies come
 * from Node's shared pool (an ArrayBuffer of their own would cost an allocation and, below 64
 * bytes, a move off the V8 heap when zeromq.js reads it); the pool never hands out a slice twice.
 */
export function copyBytes(array: ArrayBufferView): Buffer {
  return filledWith(Buffer.allocUnsafe(array.byteLength), array);
}

/**
 * A copy of the bytes of `array` in an ArrayBuffer of its own, for bytes this process decodes
 * itself: {@link viewReceivedBytes} views such a copy, where it would copy a slice of the shared
 * pool {@link copyBytes} uses once more.
 */
export function copyBytesToOwnMemory(array: ArrayBufferView): Buffer {
  return filledWith(Buffer.allocUnsafeSlow(array.byteLength), array);
}

function filledWith(copy: Buffer, array: ArrayBufferView): Buffer {
  copy.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return copy;
}

/**
 * The bytes of `array` as a Buffer over the same memory, without a copy: for sending when the
 * sender keeps its memory unchanged until the receiver has read it (see value-codec.ts).
 */
export function lendBytes(array: ArrayBufferView): Buffer {
  return Buffer.isBuffer(array) ? array : Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * Rebuilds an array of `kind` from received bytes. A view is returned when the bytes own their
 * ArrayBuffer exactly and are aligned for the element size; otherwise the bytes are copied, so
 * that `result.buffer` never exposes memory beyond the value.
 */
export function viewReceivedBytes(kind: RawArrayKind, bytes: Uint8Array): RawArray {
  if (bytes.byteLength % kind.bytesPerElement !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes are not a whole number of ${kind.name} elements`);
  }
  const length = bytes.byteLength / kind.bytesPerElement;
  const ownsBuffer = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength;
  if (ownsBuffer) return kind.view(bytes.buffer, 0, length);
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return kind.view(copy, 0, length);
}
