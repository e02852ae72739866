import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyInto,
  BAND,
  BOR,
  BXOR,
  isOp,
  LAND,
  LOR,
  LXOR,
  MAX,
  MAXLOC,
  MIN,
  MINLOC,
  Op,
  PROD,
  SUM,
} from '../../src/collectives/reduce-op.js';
import { isTsmpiError, TsmpiError } from '../../src/errors.js';

const PREDEFINED = { SUM, PROD, MIN, MAX, LAND, LOR, LXOR, BAND, BOR, BXOR, MINLOC, MAXLOC };
type Name = keyof typeof PREDEFINED;
const ELEMENT_WISE: readonly Name[] = ['SUM', 'PROD', 'MIN', 'MAX', 'LAND', 'LOR', 'LXOR', 'BAND', 'BOR', 'BXOR'];
const BITWISE: readonly Name[] = ['BAND', 'BOR', 'BXOR'];

/** Asserts that `fn` throws a TsmpiError ERR_ARG with exactly `message` (or matching it). */
function throwsArg(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TsmpiError, `expected a TsmpiError, got ${String(error)}`);
    assert.equal(error.code, 'ERR_ARG');
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

// An independent reference for typed arrays: integer kinds compute the exact result with BigInt
// and then wrap (or clamp) it the way C would; float kinds compute with numbers and round to the
// kind's precision.
type Exact = (x: bigint, y: bigint) => bigint;
type Float = (x: number, y: number) => number;
const bool = (c: boolean): number => (c ? 1 : 0);
const EXACT: Record<string, Exact> = {
  SUM: (x, y) => x + y,
  PROD: (x, y) => x * y,
  MIN: (x, y) => (x < y ? x : y),
  MAX: (x, y) => (x > y ? x : y),
  LAND: (x, y) => BigInt(bool(x !== 0n && y !== 0n)),
  LOR: (x, y) => BigInt(bool(x !== 0n || y !== 0n)),
  LXOR: (x, y) => BigInt(bool((x !== 0n) !== (y !== 0n))),
  BAND: (x, y) => x & y,
  BOR: (x, y) => x | y,
  BXOR: (x, y) => x ^ y,
};
const FLOAT: Record<string, Float> = {
  SUM: (x, y) => x + y,
  PROD: (x, y) => x * y,
  MIN: Math.min,
  MAX: Math.max,
  LAND: (x, y) => bool(x !== 0 && y !== 0),
  LOR: (x, y) => bool(x !== 0 || y !== 0),
  LXOR: (x, y) => bool((x !== 0) !== (y !== 0)),
};

interface KindCase {
  readonly name: string;
  readonly make: (values: readonly (number | bigint)[]) => ArrayLike<number | bigint>;
  /** For integer kinds: fits an exact result into the kind. Absent for float kinds. */
  readonly wrap?: (exact: bigint) => bigint;
  readonly round?: (x: number) => number;
  readonly a: readonly (number | bigint)[];
  readonly b: readonly (number | bigint)[];
}

const clamp8 = (x: bigint): bigint => (x < 0n ? 0n : x > 255n ? 255n : x);
const KINDS: readonly KindCase[] = [
  {
    name: 'Int8Array',
    make: (v) => new Int8Array(v as number[]),
    wrap: (x) => BigInt.asIntN(8, x),
    a: [127, -128, 100, -7, 0, 5, -128],
    b: [1, -1, 100, 3, 0, -5, -128],
  },
  {
    name: 'Uint8Array',
    make: (v) => new Uint8Array(v as number[]),
    wrap: (x) => BigInt.asUintN(8, x),
    a: [255, 200, 16, 0, 7, 1, 0xf0],
    b: [1, 100, 16, 0, 0, 3, 0x3c],
  },
  {
    name: 'Buffer',
    make: (v) => Buffer.from(v as number[]),
    wrap: (x) => BigInt.asUintN(8, x),
    a: [255, 200, 16, 0, 7, 1, 0xf0],
    b: [1, 100, 16, 0, 0, 3, 0x3c],
  },
  {
    name: 'Uint8ClampedArray',
    make: (v) => new Uint8ClampedArray(v as number[]),
    wrap: clamp8,
    a: [255, 200, 16, 0, 7, 1, 0xf0],
    b: [1, 100, 16, 0, 0, 3, 0x3c],
  },
  {
    name: 'Int16Array',
    make: (v) => new Int16Array(v as number[]),
    wrap: (x) => BigInt.asIntN(16, x),
    a: [32767, -32768, 300, -7, 0, 1234, -32768],
    b: [1, -1, 300, 3, 0, -4321, -32768],
  },
  {
    name: 'Uint16Array',
    make: (v) => new Uint16Array(v as number[]),
    wrap: (x) => BigInt.asUintN(16, x),
    a: [65535, 40000, 300, 0, 7, 65535, 0xff00],
    b: [1, 40000, 300, 0, 0, 65535, 0x0ff0],
  },
  {
    name: 'Int32Array',
    make: (v) => new Int32Array(v as number[]),
    wrap: (x) => BigInt.asIntN(32, x),
    a: [2147483647, -2147483648, 123456789, -7, 0, 65537, -2147483648],
    b: [1, -1, 987654321, 3, 0, 65537, 2147483647],
  },
  {
    name: 'Uint32Array',
    make: (v) => new Uint32Array(v as number[]),
    wrap: (x) => BigInt.asUintN(32, x),
    a: [4294967295, 3000000000, 123456789, 0, 7, 65537, 0xffff0000],
    b: [1, 3000000000, 987654321, 0, 0, 65537, 0x00ffff00],
  },
  {
    name: 'BigInt64Array',
    make: (v) => new BigInt64Array(v as bigint[]),
    wrap: (x) => BigInt.asIntN(64, x),
    a: [2n ** 63n - 1n, -(2n ** 63n), 123456789012345n, -7n, 0n, 5n, 3n << 40n],
    b: [1n, -1n, 987654321098765n, 3n, 0n, -5n, 5n << 40n],
  },
  {
    name: 'BigUint64Array',
    make: (v) => new BigUint64Array(v as bigint[]),
    wrap: (x) => BigInt.asUintN(64, x),
    a: [2n ** 64n - 1n, 2n ** 63n, 123456789012345n, 0n, 7n, 1n, 3n << 40n],
    b: [1n, 2n ** 63n, 987654321098765n, 0n, 0n, 3n, 5n << 40n],
  },
  {
    name: 'Float32Array',
    make: (v) => new Float32Array(v as number[]),
    round: Math.fround,
    a: [1.5, -2.25, 3e38, 0, 0.1, NaN, -0],
    b: [2.5, 4, 3e38, -0, 3, 1, 0],
  },
  {
    name: 'Float64Array',
    make: (v) => new Float64Array(v as number[]),
    round: (x) => x,
    a: [1.5, -2.25, 1e308, 0, 0.1, NaN, -0],
    b: [2.5, 4, 1e308, -0, 3, 1, 0],
  },
];

/** What `op` should give for two arrays of `kind`, element by element, from the reference. */
function expected(kind: KindCase, op: string, a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): (number | bigint)[] {
  const out: (number | bigint)[] = [];
  for (let i = 0; i < a.length; i++) {
    if (kind.wrap !== undefined) {
      const exact = kind.wrap(EXACT[op]!(BigInt(a[i]!), BigInt(b[i]!)));
      out.push(kind.name.startsWith('Big') ? exact : Number(exact));
    } else {
      out.push(kind.round!(FLOAT[op]!(a[i] as number, b[i] as number)));
    }
  }
  return out;
}

function isBuffer(value: unknown): boolean {
  return Buffer.isBuffer(value);
}

describe('Op and isOp', { timeout: 10_000 }, () => {
  it('names every predefined operator after its constant and marks it commutative', () => {
    for (const [name, op] of Object.entries(PREDEFINED)) {
      assert.ok(op instanceof Op, name);
      assert.equal(op.name, name);
      assert.equal(op.commutative, true, name);
    }
  });

  it('isOp recognises operators and nothing else', () => {
    assert.equal(isOp(SUM), true);
    assert.equal(isOp(Op.create((a: number, b: number) => a + b)), true);
    assert.equal(isOp((a: number, b: number) => a + b), false);
    assert.equal(isOp({ name: 'SUM', commutative: true, apply: () => 0 }), false);
    assert.equal(isOp(undefined), false);
    assert.equal(isOp('SUM'), false);
  });

  it('makes user operators non-commutative and named "user op" by default', () => {
    const op = Op.create((a: number, b: number) => a - b);
    assert.equal(op.name, 'user op');
    assert.equal(op.commutative, false);
  });

  it('keeps the commutative flag and name given to Op.create', () => {
    const op = Op.create((a: number, b: number) => a * b, { commutative: true, name: 'times' });
    assert.equal(op.name, 'times');
    assert.equal(op.commutative, true);
    const explicit = Op.create((a: number, b: number) => a - b, { commutative: false, name: 'minus' });
    assert.equal(explicit.commutative, false);
    assert.equal(explicit.name, 'minus');
  });

  it('applies a user function with the lower rank\'s operand first', () => {
    const concat = Op.create((a: string, b: string) => `${a}${b}`);
    assert.equal(concat.apply('lo', 'hi'), 'lohi');
    const minus = Op.create((a: number, b: number) => a - b);
    assert.equal(minus.apply(10, 3), 7);
  });

  it('calls the user function once per apply and passes its errors through unchanged', () => {
    let calls = 0;
    const failure = new RangeError('bad operands');
    const op = Op.create((a: number, b: number) => {
      calls++;
      if (a < 0) throw failure;
      return a + b;
    });
    assert.equal(op.apply(1, 2), 3);
    assert.equal(calls, 1);
    assert.throws(() => op.apply(-1, 2), (error: unknown) => error === failure);
  });

  it('refuses to make an operator from something that is not a function', () => {
    throwsArg(() => Op.create('add' as never), 'Op.create() needs a function, got a string');
    throwsArg(() => Op.create(undefined as never), 'Op.create() needs a function, got undefined');
  });

  it('refuses options of the wrong type', () => {
    throwsArg(
      () => Op.create((a: number) => a, { commutative: 'yes' as never }),
      'Op.create() needs a boolean commutative option, got a string',
    );
    throwsArg(() => Op.create((a: number) => a, { name: 42 as never }), 'Op.create() needs a string name option, got a number');
  });
});

describe('element-wise operators on numbers, bigints and booleans', { timeout: 10_000 }, () => {
  it('SUM, PROD, MIN and MAX combine numbers', () => {
    assert.equal(SUM.apply(2.5, 4), 6.5);
    assert.equal(PROD.apply(2.5, 4), 10);
    assert.equal(MIN.apply(2.5, -4), -4);
    assert.equal(MAX.apply(2.5, -4), 2.5);
  });

  it('SUM, PROD, MIN and MAX combine bigints exactly', () => {
    const big = 2n ** 70n;
    assert.equal(SUM.apply(big, 1n), big + 1n);
    assert.equal(PROD.apply(big, 3n), big * 3n);
    assert.equal(MIN.apply(big, -big), -big);
    assert.equal(MAX.apply(big, -big), big);
    assert.equal(MIN.apply(5n, 7n), 5n);
    assert.equal(MAX.apply(5n, 7n), 7n);
  });

  it('MIN and MAX keep Math.min/Math.max NaN and signed-zero rules for numbers', () => {
    assert.ok(Number.isNaN(MIN.apply(NaN, 1)));
    assert.ok(Number.isNaN(MIN.apply(1, NaN)));
    assert.ok(Number.isNaN(MAX.apply(NaN, 1)));
    assert.ok(Number.isNaN(MAX.apply(1, NaN)));
    assert.ok(Object.is(MIN.apply(0, -0), -0));
    assert.ok(Object.is(MAX.apply(-0, 0), 0));
    assert.ok(Number.isNaN(SUM.apply(NaN, 1)));
  });

  it('LAND, LOR and LXOR give booleans for booleans', () => {
    const table: [boolean, boolean][] = [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ];
    for (const [a, b] of table) {
      assert.equal(LAND.apply(a, b), a && b);
      assert.equal(LOR.apply(a, b), a || b);
      assert.equal(LXOR.apply(a, b), a !== b);
    }
  });

  it('LAND, LOR and LXOR give 1 or 0 for numbers, non-zero (NaN included) being true', () => {
    assert.equal(LAND.apply(3, -2), 1);
    assert.equal(LAND.apply(3, 0), 0);
    assert.equal(LAND.apply(-0, 5), 0);
    assert.equal(LOR.apply(0, 0), 0);
    assert.equal(LOR.apply(0, 0.5), 1);
    assert.equal(LXOR.apply(7, 9), 0);
    assert.equal(LXOR.apply(7, 0), 1);
    assert.equal(LXOR.apply(0, 0), 0);
    assert.equal(LAND.apply(NaN, 1), 1);
  });

  it('LAND, LOR and LXOR give 1n or 0n for bigints', () => {
    assert.equal(LAND.apply(3n, 2n), 1n);
    assert.equal(LAND.apply(3n, 0n), 0n);
    assert.equal(LOR.apply(0n, 0n), 0n);
    assert.equal(LOR.apply(0n, -1n), 1n);
    assert.equal(LXOR.apply(1n, 1n), 0n);
    assert.equal(LXOR.apply(0n, 4n), 1n);
  });

  it('BAND, BOR and BXOR combine int32 numbers, negative ones as two\'s complement', () => {
    assert.equal(BAND.apply(0b1100, 0b1010), 0b1000);
    assert.equal(BOR.apply(0b1100, 0b1010), 0b1110);
    assert.equal(BXOR.apply(0b1100, 0b1010), 0b0110);
    assert.equal(BAND.apply(-1, 0x7fffffff), 0x7fffffff);
    assert.equal(BOR.apply(-8, 3), -5);
    assert.equal(BXOR.apply(-1, 0), -1);
  });

  it('BAND, BOR and BXOR combine safe integers beyond 32 bits exactly', () => {
    const values = [2 ** 40 + 5, -(2 ** 40) - 3, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 32, 0xffffffff, -1, 12345];
    for (const x of values) {
      for (const y of values) {
        assert.equal(BAND.apply(x, y), Number(BigInt(x) & BigInt(y)), `${x} & ${y}`);
        assert.equal(BOR.apply(x, y), Number(BigInt(x) | BigInt(y)), `${x} | ${y}`);
        assert.equal(BXOR.apply(x, y), Number(BigInt(x) ^ BigInt(y)), `${x} ^ ${y}`);
      }
    }
    assert.equal(BOR.apply(2 ** 40, 1), 2 ** 40 + 1);
    assert.equal(typeof BOR.apply(2 ** 40, 1), 'number');
  });

  it('returns -2^53, the one bitwise result of safe integers that is not safe, exactly', () => {
    assert.equal(BAND.apply(-(2 ** 53 - 1), -2), -(2 ** 53));
  });

  it('BAND, BOR and BXOR combine bigints of any width', () => {
    const x = (1n << 100n) | 0b1100n;
    const y = (1n << 100n) | 0b1010n;
    assert.equal(BAND.apply(x, y), (1n << 100n) | 0b1000n);
    assert.equal(BOR.apply(x, 0b0001n), x | 1n);
    assert.equal(BXOR.apply(x, y), 0b0110n);
    assert.equal(BAND.apply(-1n, 5n), 5n);
  });
});

describe('element-wise operators on plain arrays', { timeout: 10_000 }, () => {
  it('combine arrays of numbers element by element', () => {
    assert.deepEqual(SUM.apply([1, 2, 3], [10, 20, 30]), [11, 22, 33]);
    assert.deepEqual(PROD.apply([1, 2, 3], [10, 20, 30]), [10, 40, 90]);
    assert.deepEqual(MIN.apply([1, 25, NaN], [10, 20, 3]), [1, 20, NaN]);
    assert.deepEqual(MAX.apply([1, 25, 3], [10, 20, NaN]), [10, 25, NaN]);
    assert.deepEqual(LAND.apply([1, 0, 2], [3, 4, 0]), [1, 0, 0]);
    assert.deepEqual(LOR.apply([1, 0, 0], [0, 4, 0]), [1, 1, 0]);
    assert.deepEqual(LXOR.apply([1, 0, 2], [3, 4, 0]), [0, 1, 1]);
    assert.deepEqual(BAND.apply([12, 2 ** 40 + 1], [10, 3]), [8, 1]);
    assert.deepEqual(BOR.apply([12, 2 ** 40], [10, 3]), [14, 2 ** 40 + 3]);
    assert.deepEqual(BXOR.apply([12, -1], [10, 5]), [6, -6]);
  });

  it('combine arrays of bigints and of booleans element by element', () => {
    assert.deepEqual(SUM.apply([1n, 2n ** 64n], [2n, 1n]), [3n, 2n ** 64n + 1n]);
    assert.deepEqual(MAX.apply([1n, -5n], [2n, -6n]), [2n, -5n]);
    assert.deepEqual(BXOR.apply([0b11n], [0b01n]), [0b10n]);
    assert.deepEqual(LAND.apply([true, true, false], [true, false, false]), [true, false, false]);
    assert.deepEqual(LXOR.apply([true, true, false], [true, false, false]), [false, true, false]);
  });

  it('lets each position hold its own kind, as long as both operands agree there', () => {
    assert.deepEqual(SUM.apply([1, 2n], [3, 4n]), [4, 6n]);
  });

  it('combine nested arrays recursively, and typed arrays inside them', () => {
    assert.deepEqual(
      SUM.apply(
        [
          [1, 2],
          [3, [4, 5]],
        ],
        [
          [10, 20],
          [30, [40, 50]],
        ],
      ),
      [
        [11, 22],
        [33, [44, 55]],
      ],
    );
    const result = SUM.apply([new Int16Array([1, 2]), 3], [new Int16Array([10, 20]), 4]) as [Int16Array, number];
    assert.ok(result[0] instanceof Int16Array);
    assert.deepEqual([...result[0]], [11, 22]);
    assert.equal(result[1], 7);
  });

  it('combine empty arrays into an empty array', () => {
    assert.deepEqual(SUM.apply([], []), []);
  });

  it('return a new array and leave both operands as they were', () => {
    const a = [1, [2, 3]];
    const b = [10, [20, 30]];
    const result = SUM.apply(a, b);
    assert.deepEqual(a, [1, [2, 3]]);
    assert.deepEqual(b, [10, [20, 30]]);
    assert.notEqual(result, a);
    assert.notEqual(result, b);
  });
});

describe('element-wise operators on typed arrays and Buffers', { timeout: 10_000 }, () => {
  for (const kind of KINDS) {
    const isFloat = kind.name.startsWith('Float');
    for (const name of ELEMENT_WISE) {
      if (isFloat && BITWISE.includes(name)) continue;
      it(`${name} on ${kind.name} gives a new ${kind.name} matching the exact-then-wrapped reference`, () => {
        const a = kind.make(kind.a);
        const b = kind.make(kind.b);
        const before = [[...Array.from(a)], [...Array.from(b)]];
        const result = PREDEFINED[name].apply(a, b) as ArrayLike<number | bigint> & ArrayBufferView;
        assert.equal(result.constructor, a.constructor);
        assert.equal(isBuffer(result), isBuffer(a));
        assert.equal(result.length, a.length);
        assert.notEqual(result, a);
        assert.notEqual(result, b);
        assert.deepEqual(Array.from(result), expected(kind, name, a, b));
        assert.deepEqual([Array.from(a), Array.from(b)], before, 'the operands must not change');
      });
    }
    if (isFloat) {
      for (const name of BITWISE) {
        it(`${name} refuses ${kind.name}`, () => {
          throwsArg(
            () => PREDEFINED[name].apply(kind.make(kind.a), kind.make(kind.b)),
            `${name} cannot combine ${kind.name} values (it needs integers)`,
          );
        });
      }
    }
  }

  it('wraps integer kinds as C does', () => {
    assert.deepEqual([...(SUM.apply(new Int8Array([127, -128]), new Int8Array([1, -1])) as Int8Array)], [-128, 127]);
    assert.deepEqual([...(SUM.apply(new Uint8Array([255]), new Uint8Array([1])) as Uint8Array)], [0]);
    assert.deepEqual([...(SUM.apply(new Uint16Array([65535]), new Uint16Array([2])) as Uint16Array)], [1]);
    assert.deepEqual([...(SUM.apply(new Int32Array([2 ** 31 - 1]), new Int32Array([1])) as Int32Array)], [-(2 ** 31)]);
    assert.deepEqual([...(SUM.apply(new Uint32Array([2 ** 32 - 1]), new Uint32Array([1])) as Uint32Array)], [0]);
    assert.deepEqual([...(PROD.apply(new Int8Array([-128]), new Int8Array([-1])) as Int8Array)], [-128]);
    assert.deepEqual([...(SUM.apply(new BigInt64Array([2n ** 63n - 1n]), new BigInt64Array([1n])) as BigInt64Array)], [-(2n ** 63n)]);
    assert.deepEqual([...(SUM.apply(new BigUint64Array([0n]), new BigUint64Array([2n ** 64n - 1n])) as BigUint64Array)], [2n ** 64n - 1n]);
    assert.deepEqual([...(PROD.apply(new BigUint64Array([2n ** 32n]), new BigUint64Array([2n ** 32n + 1n])) as BigUint64Array)], [2n ** 32n]);
  });

  it('multiplies 32-bit integers without losing the low bits a double product would drop', () => {
    // 0x7fffffff * 0x7fffffff needs 62 bits; as a double its low bits are gone before the wrap.
    const product = PROD.apply(new Int32Array([0x7fffffff, 123456789]), new Int32Array([0x7fffffff, 987654321])) as Int32Array;
    assert.deepEqual([...product], [Number(BigInt.asIntN(32, 0x7fffffffn * 0x7fffffffn)), Number(BigInt.asIntN(32, 123456789n * 987654321n))]);
    const unsigned = PROD.apply(new Uint32Array([0xfffffffb]), new Uint32Array([0xfffffff1])) as Uint32Array;
    assert.deepEqual([...unsigned], [Number(BigInt.asUintN(32, 0xfffffffbn * 0xfffffff1n))]);
  });

  it('clamps Uint8ClampedArray instead of wrapping', () => {
    assert.deepEqual([...(SUM.apply(new Uint8ClampedArray([250, 3]), new Uint8ClampedArray([10, 4])) as Uint8ClampedArray)], [255, 7]);
    assert.deepEqual([...(PROD.apply(new Uint8ClampedArray([16]), new Uint8ClampedArray([16])) as Uint8ClampedArray)], [255]);
  });

  it('keeps NaN and signed zeros in MIN and MAX of float arrays, as Math.min/Math.max do', () => {
    const min = MIN.apply(new Float64Array([NaN, 1, 0, 2]), new Float64Array([1, NaN, -0, 3])) as Float64Array;
    assert.ok(Number.isNaN(min[0]));
    assert.ok(Number.isNaN(min[1]));
    assert.ok(Object.is(min[2], -0));
    assert.equal(min[3], 2);
    const max = MAX.apply(new Float32Array([NaN, 1, -0]), new Float32Array([1, NaN, 0])) as Float32Array;
    assert.ok(Number.isNaN(max[0]));
    assert.ok(Number.isNaN(max[1]));
    assert.ok(Object.is(max[2], 0));
  });

  it('treats NaN as true in logical operators on float arrays, as C does', () => {
    assert.deepEqual([...(LAND.apply(new Float64Array([NaN, 0.5, 0]), new Float64Array([1, 2, 3])) as Float64Array)], [1, 1, 0]);
  });

  it('returns a Buffer that owns its memory rather than a slice of the Buffer pool', () => {
    const result = SUM.apply(Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6])) as Buffer;
    assert.ok(Buffer.isBuffer(result));
    assert.deepEqual([...result], [5, 7, 9]);
    assert.equal(result.byteOffset, 0);
    assert.equal(result.buffer.byteLength, 3);
  });

  it('gives a Uint8Array, not a Buffer, for Uint8Array operands', () => {
    const result = SUM.apply(new Uint8Array([1]), new Uint8Array([2]));
    assert.ok(result instanceof Uint8Array);
    assert.equal(Buffer.isBuffer(result), false);
  });

  it('reads views that start part-way into their buffer', () => {
    const backing = new Float64Array([100, 1, 2, 3, 200]);
    const view = backing.subarray(1, 4);
    const result = SUM.apply(view, new Float64Array([10, 20, 30])) as Float64Array;
    assert.deepEqual([...result], [11, 22, 33]);
    assert.equal(result.length, 3);
    assert.equal(result.byteOffset, 0);
    assert.deepEqual([...backing], [100, 1, 2, 3, 200]);
  });

  it('combines empty typed arrays into an empty one of the same kind', () => {
    const result = SUM.apply(new Int16Array(0), new Int16Array(0));
    assert.ok(result instanceof Int16Array);
    assert.equal((result as Int16Array).length, 0);
  });

  it('combines million-element arrays correctly', () => {
    const n = 2_000_000;
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = i;
      b[i] = 2 * i;
    }
    const sum = SUM.apply(a, b) as Float64Array;
    assert.equal(sum.length, n);
    assert.equal(sum[0], 0);
    assert.equal(sum[n - 1], 3 * (n - 1));
    assert.equal(sum[12345], 3 * 12345);
    const ints = BXOR.apply(new Int32Array(n).fill(0b1100), new Int32Array(n).fill(0b1010)) as Int32Array;
    assert.equal(ints[n - 1], 0b0110);
  });
});

describe('MINLOC and MAXLOC', { timeout: 10_000 }, () => {
  it('pick the pair with the smaller (MINLOC) or larger (MAXLOC) value', () => {
    assert.deepEqual(MINLOC.apply([3, 0], [1, 1]), [1, 1]);
    assert.deepEqual(MINLOC.apply([1, 5], [3, 0]), [1, 5]);
    assert.deepEqual(MAXLOC.apply([3, 0], [1, 1]), [3, 0]);
    assert.deepEqual(MAXLOC.apply([1, 5], [3, 0]), [3, 0]);
    assert.deepEqual(MINLOC.apply([-2.5, 7], [-2, 1]), [-2.5, 7]);
  });

  it('compare bigint values', () => {
    assert.deepEqual(MINLOC.apply([2n ** 70n, 0], [2n ** 70n - 1n, 4]), [2n ** 70n - 1n, 4]);
    assert.deepEqual(MAXLOC.apply([2n ** 70n, 0], [2n ** 70n - 1n, 4]), [2n ** 70n, 0]);
  });

  it('break ties by the smaller index, whichever operand it is in', () => {
    assert.deepEqual(MINLOC.apply([3, 0], [3, 1]), [3, 0]);
    assert.deepEqual(MINLOC.apply([3, 4], [3, 1]), [3, 1]);
    assert.deepEqual(MAXLOC.apply([3, 0], [3, 1]), [3, 0]);
    assert.deepEqual(MAXLOC.apply([3, 4], [3, 1]), [3, 1]);
    assert.deepEqual(MINLOC.apply([5n, 9], [5n, 2]), [5n, 2]);
    assert.deepEqual(MAXLOC.apply([0, 9], [-0, 2]), [-0, 2]);
  });

  it('let a NaN value win, in either position, so the result does not depend on the order', () => {
    assert.deepEqual(MINLOC.apply([NaN, 3], [1, 0]), [NaN, 3]);
    assert.deepEqual(MINLOC.apply([1, 0], [NaN, 3]), [NaN, 3]);
    assert.deepEqual(MAXLOC.apply([NaN, 3], [1, 0]), [NaN, 3]);
    assert.deepEqual(MAXLOC.apply([1, 0], [NaN, 3]), [NaN, 3]);
    assert.deepEqual(MAXLOC.apply([NaN, 3], [NaN, 1]), [NaN, 1]);
  });

  it('combine arrays of pairs pair by pair, and nested arrays of pairs', () => {
    const a = [
      [3, 0],
      [1, 0],
      [5, 0],
    ];
    const b = [
      [2, 1],
      [1, 1],
      [6, 1],
    ];
    assert.deepEqual(MINLOC.apply(a, b), [
      [2, 1],
      [1, 0],
      [5, 0],
    ]);
    assert.deepEqual(MAXLOC.apply(a, b), [
      [3, 0],
      [1, 0],
      [6, 1],
    ]);
    assert.deepEqual(MINLOC.apply([[[4, 0]], [[2, 0]]], [[[3, 1]], [[2, 1]]]), [[[3, 1]], [[2, 0]]]);
    assert.deepEqual(MINLOC.apply([], []), []);
  });

  it('return new pairs and leave the operands as they were', () => {
    const a: [number, number] = [1, 0];
    const b: [number, number] = [2, 1];
    const result = MINLOC.apply(a, b) as [number, number];
    assert.deepEqual(result, [1, 0]);
    assert.notEqual(result, a);
    result[0] = 99;
    assert.deepEqual(a, [1, 0]);
    assert.deepEqual(b, [2, 1]);
    const list = [[1, 0]];
    const listResult = MAXLOC.apply(list, [[0, 1]]) as number[][];
    assert.notEqual(listResult, list);
    assert.notEqual(listResult[0], list[0]);
  });
});

describe('errors', { timeout: 10_000 }, () => {
  it('are TsmpiErrors of code ERR_ARG', () => {
    try {
      SUM.apply(1, 'x');
      assert.fail('SUM should have thrown');
    } catch (error) {
      assert.ok(isTsmpiError(error, 'ERR_ARG'));
      assert.equal((error as Error).name, 'TsmpiError');
    }
  });

  it('name typed arrays of different lengths', () => {
    throwsArg(
      () => SUM.apply(new Float64Array(10), new Float64Array(12)),
      'SUM cannot combine a Float64Array of 10 elements with a Float64Array of 12 elements',
    );
    throwsArg(() => MAX.apply(new Int8Array(1), new Int8Array(2)), 'MAX cannot combine an Int8Array of 1 element with an Int8Array of 2 elements');
    throwsArg(() => SUM.apply(Buffer.alloc(3), Buffer.alloc(1)), 'SUM cannot combine a Buffer of 3 bytes with a Buffer of 1 byte');
  });

  it('name plain arrays of different lengths', () => {
    throwsArg(() => PROD.apply([1], [1, 2]), 'PROD cannot combine an array of 1 element with an array of 2 elements');
  });

  it('name operands of different kinds', () => {
    throwsArg(() => SUM.apply(1, 'x'), 'SUM cannot combine a number with a string');
    throwsArg(() => SUM.apply(1, 1n), 'SUM cannot combine a number with a bigint');
    throwsArg(() => MIN.apply(2n, 2), 'MIN cannot combine a bigint with a number');
    throwsArg(
      () => SUM.apply(new Float64Array(2), new Int32Array(2)),
      'SUM cannot combine a Float64Array of 2 elements with an Int32Array of 2 elements',
    );
    throwsArg(
      () => SUM.apply([1, 2], new Float64Array(2)),
      'SUM cannot combine an array of 2 elements with a Float64Array of 2 elements',
    );
    throwsArg(() => SUM.apply(Buffer.alloc(2), new Uint8Array(2)), 'SUM cannot combine a Buffer of 2 bytes with a Uint8Array of 2 elements');
    throwsArg(() => LAND.apply(true, 1), 'LAND cannot combine a boolean with a number');
    throwsArg(() => SUM.apply(1, undefined), 'SUM cannot combine a number with undefined');
    throwsArg(() => SUM.apply({}, null), 'SUM cannot combine an object with null');
    throwsArg(
      () => BOR.apply(new BigInt64Array(1), new BigUint64Array(1)),
      'BOR cannot combine a BigInt64Array of 1 element with a BigUint64Array of 1 element',
    );
  });

  it('name the kind an operator refuses and what it needs', () => {
    const arithmetic = '(it needs numbers, bigints, or arrays or typed arrays of them)';
    const logical = '(it needs booleans, numbers, bigints, or arrays or typed arrays of them)';
    throwsArg(() => SUM.apply('a', 'b'), `SUM cannot combine string values ${arithmetic}`);
    throwsArg(() => PROD.apply(true, false), `PROD cannot combine boolean values ${arithmetic}`);
    throwsArg(() => MAX.apply(null, null), `MAX cannot combine null values ${arithmetic}`);
    throwsArg(() => MIN.apply(undefined, undefined), `MIN cannot combine undefined values ${arithmetic}`);
    throwsArg(() => LAND.apply({ a: 1 }, { a: 1 }), `LAND cannot combine object values ${logical}`);
    throwsArg(() => LOR.apply('x', 'y'), `LOR cannot combine string values ${logical}`);
    throwsArg(() => BAND.apply(true, true), 'BAND cannot combine boolean values (it needs integers)');
    throwsArg(() => BXOR.apply(new Float32Array(1), new Float32Array(1)), 'BXOR cannot combine Float32Array values (it needs integers)');
    throwsArg(() => BAND.apply(new Float64Array(3), new Float64Array(3)), 'BAND cannot combine Float64Array values (it needs integers)');
    const view = new DataView(new ArrayBuffer(4));
    throwsArg(() => SUM.apply(view, view), `SUM cannot combine object values ${arithmetic}`);
  });

  it('refuse numbers that are not safe integers in the bitwise operators', () => {
    throwsArg(() => BAND.apply(1.5, 3), 'BAND needs safe integers, got 1.5');
    throwsArg(() => BOR.apply(3, 2 ** 53), 'BOR needs safe integers, got 9007199254740992');
    throwsArg(() => BXOR.apply(NaN, 1), 'BXOR needs safe integers, got NaN');
    throwsArg(() => BAND.apply(1, -Infinity), 'BAND needs safe integers, got -Infinity');
  });

  it('say where in nested arrays the problem is', () => {
    throwsArg(() => SUM.apply([1, [2, 3]], [1, ['x', 3]]), 'SUM cannot combine a number with a string at element [1][0]');
    throwsArg(() => BOR.apply([1, 2, 0.5], [1, 2, 3]), 'BOR needs safe integers, got 0.5 at element [2]');
    throwsArg(
      () => SUM.apply([[new Float64Array(2)]], [[new Float64Array(3)]]),
      'SUM cannot combine a Float64Array of 2 elements with a Float64Array of 3 elements at element [0][0]',
    );
    throwsArg(() => BAND.apply([[1.5]], [[2]]), 'BAND needs safe integers, got 1.5 at element [0][0]');
    throwsArg(() => SUM.apply([0, ['a']], [0, ['b']]), /^SUM cannot combine string values at element \[1\]\[0\] \(it needs/);
  });

  it('MINLOC and MAXLOC name operands that are not pairs', () => {
    throwsArg(() => MINLOC.apply(3, [1, 0]), 'MINLOC needs [value, index] pairs, got a number');
    throwsArg(() => MINLOC.apply([1, 0], 'x'), 'MINLOC needs [value, index] pairs, got a string');
    throwsArg(() => MAXLOC.apply(new Float64Array(2), new Float64Array(2)), 'MAXLOC needs [value, index] pairs, got a Float64Array of 2 elements');
    throwsArg(() => MINLOC.apply([1, 0, 2], [1, 0, 2]), 'MINLOC needs [value, index] pairs, got an array of 3 elements');
    throwsArg(() => MAXLOC.apply(['a', 0], ['b', 1]), 'MAXLOC needs a number or bigint as the value of a pair, got a string');
    throwsArg(() => MINLOC.apply([1, 0n], [1, 1n]), 'MINLOC needs a number as the index of a pair, got a bigint');
  });

  it('MINLOC and MAXLOC name mismatched operands', () => {
    throwsArg(() => MINLOC.apply([1, 0], [2n, 1]), 'MINLOC cannot compare a number value with a bigint value');
    throwsArg(() => MINLOC.apply([1, 0], [[1, 0]]), 'MINLOC cannot combine a [value, index] pair with an array of 1 pair');
    throwsArg(
      () => MAXLOC.apply([[1, 0], [2, 0]], [[1, 1]]),
      'MAXLOC cannot combine an array of 2 pairs with an array of 1 pair',
    );
    throwsArg(() => MINLOC.apply([[1, 0], 5], [[1, 1], [2, 1]]), 'MINLOC needs [value, index] pairs, got a number at element [1]');
  });
});

describe('applyInto (combining into an operand a collective owns)', { timeout: 10_000 }, () => {
  it('writes the result of every element-wise operator into the array given, which may be an operand', () => {
    for (const name of ELEMENT_WISE) {
      const op = PREDEFINED[name];
      // Lengths that are not a multiple of any unrolling, with values every operator accepts.
      const a = Int32Array.from({ length: 19 }, (_, i) => (i % 5) - 2);
      const b = Int32Array.from({ length: 19 }, (_, i) => (i % 3) - 1);
      const expected = op.apply(a, b) as Int32Array;
      const intoB = Int32Array.from(b);
      assert.equal(applyInto(op, a, intoB, intoB), intoB, `${name} into b`);
      assert.deepEqual(intoB, expected, `${name} into b`);
      const intoA = Int32Array.from(a);
      assert.equal(applyInto(op, intoA, b, intoA), intoA, `${name} into a`);
      assert.deepEqual(intoA, expected, `${name} into a`);
    }
  });

  it('sums float arrays of every length around the unrolled loop\'s step exactly', () => {
    for (const length of [0, 1, 7, 8, 9, 16, 17, 1001]) {
      const a = Float64Array.from({ length }, (_, i) => i * 0.5);
      const b = Float64Array.from({ length }, (_, i) => length - i);
      const into = new Float64Array(length);
      applyInto(SUM, a, b, into);
      assert.deepEqual(into, Float64Array.from({ length }, (_, i) => i * 0.5 + length - i), `length ${length}`);
    }
  });

  it('returns a new value and leaves `into` alone where it cannot write into it', () => {
    const a = new Float64Array([1, 2]);
    const b = new Float64Array([3, 4]);
    const otherKind = new Float32Array([9, 9]);
    assert.deepEqual(applyInto(SUM, a, b, otherKind), new Float64Array([4, 6]));
    assert.deepEqual(otherKind, new Float32Array([9, 9]));
    const shorter = new Float64Array([9]);
    assert.deepEqual(applyInto(SUM, a, b, shorter), new Float64Array([4, 6]));
    assert.deepEqual(shorter, new Float64Array([9]));
    assert.equal(applyInto(SUM, 2, 3, 0), 5);
    const concat = Op.create((x: Float64Array, y: Float64Array) => Float64Array.of(...x, ...y));
    const into = new Float64Array([0, 0]);
    assert.deepEqual(applyInto(concat, a, b, into), new Float64Array([1, 2, 3, 4]));
    assert.deepEqual(into, new Float64Array([0, 0]));
  });

  it('refuses what apply refuses, with the same error', () => {
    const a = new Float64Array([1]);
    const errorOf = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const fromApply = errorOf(() => BAND.apply(a, a));
    throwsArg(() => applyInto(BAND, a, a, new Float64Array(1)), /BAND cannot combine Float64Array values/);
    assert.deepEqual(errorOf(() => applyInto(BAND, a, a, new Float64Array(1))), fromApply);
  });
});
