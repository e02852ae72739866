/**
 * Reduction operators for reduce, allreduce, scan and friends: the predefined operators of MPI
 * (SUM, PROD, MIN, MAX, the logical and bitwise ones, MINLOC and MAXLOC) and user operators made
 * with {@link Op.create}, as in mpi4py.
 *
 * The predefined operators combine numbers, bigints, booleans (logical operators only), plain
 * arrays of those (element-wise, nested arrays recursively) and Buffers and TypedArrays
 * (element-wise, into a new array of the same kind). They never modify an operand, and refuse
 * anything they cannot combine with a TsmpiError of code ERR_ARG that names the operator and the
 * problem, because a reduction that silently coerces (as `'1' + 2` would) gives every rank a wrong
 * answer that is hard to trace back.
 */
import { TsmpiError } from '../errors.js';
import { rawArrayKindOf, type RawArray } from '../codec/typed-array-kinds.js';
import { count, describeSizedValue } from '../codec/describe-value.js';

/** How {@link Op.create} builds a user operator. */
export interface OpOptions {
  /**
   * Whether `a op b` equals `b op a` for every operand. Default false, as in mpi4py's
   * `Op.Create(fn, commute=False)`: a collective may only reorder operands when this is true.
   */
  readonly commutative?: boolean;
  /** The name shown in messages and by {@link Op.name}. Default `'user op'`. */
  readonly name?: string;
}

/**
 * A reduction operator: a binary function plus what a collective needs to know about it.
 * Operators are assumed associative; a non-commutative one is applied in rank order.
 */
export class Op<T = any> {
  /** The operator's name: the constant's name for predefined operators (`'SUM'`, ...). */
  readonly name: string;
  /** Whether operands may be swapped; every predefined operator is commutative. */
  readonly commutative: boolean;
  readonly #fn: (a: T, b: T) => T;

  private constructor(fn: (a: T, b: T) => T, name: string, commutative: boolean) {
    this.#fn = fn;
    this.name = name;
    this.commutative = commutative;
  }

  /**
   * Combines two operands. `a` comes from the lower rank and `b` from the higher one, so the
   * result is `a op b` in MPI's order; this matters only for non-commutative operators.
   */
  apply(a: T, b: T): T {
    return this.#fn(a, b);
  }

  /**
   * Makes an operator from a user function, like `MPI_Op_create` / mpi4py's `Op.Create`.
   * `fn(a, b)` gets the lower rank's operand as `a`; it should return a new value rather than
   * modify an operand, since operands may be the caller's own buffers.
   *
   * @throws TsmpiError ERR_ARG when `fn` is not a function or an option has the wrong type
   */
  static create<T>(fn: (a: T, b: T) => T, options: OpOptions = {}): Op<T> {
    if (typeof fn !== 'function') {
      throw new TsmpiError('ERR_ARG', `Op.create() needs a function, got ${describeSizedValue(fn)}`);
    }
    const { commutative = false, name = 'user op' } = options;
    if (typeof commutative !== 'boolean') {
      throw new TsmpiError('ERR_ARG', `Op.create() needs a boolean commutative option, got ${describeSizedValue(commutative)}`);
    }
    if (typeof name !== 'string') {
      throw new TsmpiError('ERR_ARG', `Op.create() needs a string name option, got ${describeSizedValue(name)}`);
    }
    return new Op(fn, name, commutative);
  }
}

/** True when `value` is an {@link Op} (predefined or made with {@link Op.create}). */
export function isOp(value: unknown): value is Op {
  return value instanceof Op;
}

/**
 * What kind of operand a value is, for deciding whether two operands can be combined: two
 * operands combine only when their kinds are equal (a Buffer and a Uint8Array are different
 * kinds, as are a number and a bigint).
 */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  const type = typeof value;
  if (type !== 'object') return type;
  if (Array.isArray(value)) return 'array';
  return rawArrayKindOf(value)?.name ?? 'object';
}

/**
 * A problem found while combining, before the position inside nested arrays is known. Array
 * loops add their index on the way out, and the top level turns it into a TsmpiError; it is not
 * an Error so that building one costs no stack trace.
 */
class Failure {
  /** Indices from the outermost array inward. */
  readonly path: number[] = [];

  /**
   * @param head - the sentence up to where the position goes
   * @param reason - why, shown in parentheses after the position
   */
  constructor(
    readonly head: string,
    readonly reason?: string,
  ) {}

  message(): string {
    const where = this.path.length === 0 ? '' : ` at element ${this.path.map((i) => `[${i}]`).join('')}`;
    return `${this.head}${where}${this.reason === undefined ? '' : ` (${this.reason})`}`;
  }
}

function cannotCombine(op: string, a: unknown, b: unknown): Failure {
  return new Failure(`${op} cannot combine ${describeSizedValue(a)} with ${describeSizedValue(b)}`);
}

/** Runs a predefined operator's combine, turning a Failure into the TsmpiError callers see. */
function reporting(combine: (a: unknown, b: unknown) => unknown): (a: unknown, b: unknown) => unknown {
  return (a, b) => {
    try {
      return combine(a, b);
    } catch (error) {
      if (error instanceof Failure) throw new TsmpiError('ERR_ARG', error.message());
      throw error;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Element-wise operators (everything except MINLOC and MAXLOC)

/** Element access shared by every number-valued typed array kind and Buffer. */
interface NumberElements {
  [index: number]: number;
  readonly length: number;
}

/** Element access shared by BigInt64Array and BigUint64Array. */
interface BigIntElements {
  [index: number]: bigint;
  readonly length: number;
}

/** Fills `out` with `a[i] op b[i]`; all three are of one kind and one length. */
type NumberLoop = (out: NumberElements, a: NumberElements, b: NumberElements) => void;
type BigIntLoop = (out: BigIntElements, a: BigIntElements, b: BigIntElements) => void;

/**
 * Which loop of an operator serves each number-valued kind. V8 keeps an element access fast
 * while it has seen at most four kinds of array there; past that it turns megamorphic and a large
 * SUM runs about ten times slower, for the rest of the process. So every operator has one loop
 * per group of at most four kinds, each loop its own function literal (closures made from one
 * literal would share that state), and the operation is written inside the loop rather than
 * called per element.
 */
const LOOP_GROUP: ReadonlyMap<string, 'floatLoop' | 'wideIntLoop' | 'byteLoop'> = new Map([
  ['Float32Array', 'floatLoop'],
  ['Float64Array', 'floatLoop'],
  ['Int16Array', 'wideIntLoop'],
  ['Uint16Array', 'wideIntLoop'],
  ['Int32Array', 'wideIntLoop'],
  ['Uint32Array', 'wideIntLoop'],
  ['Int8Array', 'byteLoop'],
  ['Uint8Array', 'byteLoop'],
  ['Uint8ClampedArray', 'byteLoop'],
  ['Buffer', 'byteLoop'],
]);

/** What one element-wise operator does to each kind of operand; a missing entry refuses it. */
interface ElementRules {
  readonly name: string;
  /** What the operator accepts, for the message when an operand is of a kind it refuses. */
  readonly needs: string;
  readonly number?: (a: number, b: number) => number;
  readonly bigint?: (a: bigint, b: bigint) => bigint;
  readonly boolean?: (a: boolean, b: boolean) => boolean;
  /** Float32Array and Float64Array. */
  readonly floatLoop?: NumberLoop;
  /** Int16Array, Uint16Array, Int32Array and Uint32Array. */
  readonly wideIntLoop?: NumberLoop;
  /** Int8Array, Uint8Array, Uint8ClampedArray and Buffer. */
  readonly byteLoop?: NumberLoop;
  /** BigInt64Array and BigUint64Array. */
  readonly bigintLoop?: BigIntLoop;
}

function refuses(rules: ElementRules, kind: string): Failure {
  return new Failure(`${rules.name} cannot combine ${kind} values`, rules.needs);
}

/** A predefined commutative operator that combines its operands element by element. */
function elementWiseOp(rules: ElementRules): Op {
  const combine = (a: unknown, b: unknown): unknown => {
    // Scalars first: they are the common case, and the elements of plain arrays.
    const type = typeof a;
    if (type === typeof b) {
      if (type === 'number') {
        if (rules.number === undefined) throw refuses(rules, 'number');
        return rules.number(a as number, b as number);
      }
      if (type === 'bigint') {
        if (rules.bigint === undefined) throw refuses(rules, 'bigint');
        return rules.bigint(a as bigint, b as bigint);
      }
      if (type === 'boolean') {
        if (rules.boolean === undefined) throw refuses(rules, 'boolean');
        return rules.boolean(a as boolean, b as boolean);
      }
    }
    const kind = kindOf(a);
    if (kind !== kindOf(b)) throw cannotCombine(rules.name, a, b);
    if (kind === 'array') return combineArrays(a as unknown[], b as unknown[], combine, rules.name);
    const raw = rawArrayKindOf(a);
    if (raw === undefined) throw refuses(rules, kind);
    return combineRawArrays(rules, raw, a as RawArray, b as RawArray);
  };
  const op = Op.create(reporting(combine), { commutative: true, name: rules.name });
  RAW_ARRAYS_INTO.set(op, (a, b, into) => {
    const raw = rawArrayKindOf(a);
    if (raw === undefined || rawArrayKindOf(b) !== raw || rawArrayKindOf(into) !== raw) return undefined;
    if (a.length !== b.length || into.length !== a.length) return undefined;
    try {
      return combineRawArrays(rules, raw, a, b, into);
    } catch (error) {
      if (error instanceof Failure) throw new TsmpiError('ERR_ARG', error.message());
      throw error;
    }
  });
  return op;
}

/**
 * The predefined element-wise operators' way of combining two binary arrays into a third, for
 * {@link applyInto}; undefined where the operands are not three arrays of one kind and length.
 */
const RAW_ARRAYS_INTO = new WeakMap<Op, (a: RawArray, b: RawArray, into: RawArray) => RawArray | undefined>();

/** True for the predefined operators that combine binary arrays element by element (not MINLOC or MAXLOC, nor user operators). */
export function isElementWise(op: Op): boolean {
  return RAW_ARRAYS_INTO.has(op);
}

/**
 * Combines like `op.apply(a, b)`, but writes the result into `into` where it can instead of into
 * a new array: when `op` is a predefined element-wise operator and `a`, `b` and `into` are binary
 * arrays of one kind and length. Collectives pass an operand they received (and so own) as `into`;
 * at 1 MiB, allocating each result cost more than combining it. `into` may be `a` or `b`: every
 * loop reads an element of each operand before it writes that element.
 */
export function applyInto<T>(op: Op<T>, a: T, b: T, into: T): T {
  const combined = RAW_ARRAYS_INTO.get(op)?.(a as RawArray, b as RawArray, into as RawArray);
  return combined === undefined ? op.apply(a, b) : (combined as T);
}

/** Combines plain arrays element by element with `combine`, which may recurse into this. */
function combineArrays(
  a: readonly unknown[],
  b: readonly unknown[],
  combine: (a: unknown, b: unknown) => unknown,
  op: string,
): unknown[] {
  if (a.length !== b.length) throw cannotCombine(op, a, b);
  const out: unknown[] = [];
  let i = 0;
  // One try around the whole loop, not one per element, to record where a failure happened.
  try {
    for (; i < a.length; i++) out.push(combine(a[i], b[i]));
  } catch (error) {
    if (error instanceof Failure) error.path.unshift(i);
    throw error;
  }
  return out;
}

function combineRawArrays(
  rules: ElementRules,
  kind: NonNullable<ReturnType<typeof rawArrayKindOf>>,
  a: RawArray,
  b: RawArray,
  into?: RawArray,
): RawArray {
  if (a.length !== b.length) throw cannotCombine(rules.name, a, b);
  const group = LOOP_GROUP.get(kind.name);
  // Chosen before allocating, so that a refused call allocates nothing.
  const numberLoop = group === undefined ? undefined : rules[group];
  const bigintLoop = group === undefined ? rules.bigintLoop : undefined;
  if (numberLoop === undefined && bigintLoop === undefined) throw refuses(rules, kind.name);
  // A fresh ArrayBuffer of exactly the result's size: a Buffer from the pool would expose the
  // pool's other bytes through result.buffer.
  const out = into ?? kind.view(new ArrayBuffer(a.length * kind.bytesPerElement), 0, a.length);
  if (numberLoop !== undefined) {
    numberLoop(out as NumberElements, a as NumberElements, b as NumberElements);
  } else {
    bigintLoop!(out as BigIntElements, a as BigIntElements, b as BigIntElements);
  }
  return out;
}

const ARITHMETIC_NEEDS = 'it needs numbers, bigints, or arrays or typed arrays of them';
const LOGICAL_NEEDS = 'it needs booleans, numbers, bigints, or arrays or typed arrays of them';
const BITWISE_NEEDS = 'it needs integers';

// The loops below repeat one line per kind group on purpose: see LOOP_GROUP.

/**
 * Sum. Integer typed arrays wrap (Uint8ClampedArray clamps) as storing the exact sum into that
 * kind does; BigInt64Array and BigUint64Array wrap modulo 2^64.
 *
 * @example `SUM.apply(new Int8Array([127]), new Int8Array([1]))` is `Int8Array [-128]`
 */
export const SUM: Op = elementWiseOp({
  name: 'SUM',
  needs: ARITHMETIC_NEEDS,
  number: (a, b) => a + b,
  bigint: (a, b) => a + b,
  // Unrolled: V8 checks each array's kind and bounds on every access it cannot prove, and one
  // check then covers eight elements; 1 MiB of float64 took 0.3 ms before, 0.18 ms after.
  floatLoop: (out, a, b) => {
    const n = out.length;
    let i = 0;
    for (; i + 8 <= n; i += 8) {
      out[i] = a[i]! + b[i]!;
      out[i + 1] = a[i + 1]! + b[i + 1]!;
      out[i + 2] = a[i + 2]! + b[i + 2]!;
      out[i + 3] = a[i + 3]! + b[i + 3]!;
      out[i + 4] = a[i + 4]! + b[i + 4]!;
      out[i + 5] = a[i + 5]! + b[i + 5]!;
      out[i + 6] = a[i + 6]! + b[i + 6]!;
      out[i + 7] = a[i + 7]! + b[i + 7]!;
    }
    for (; i < n; i++) out[i] = a[i]! + b[i]!;
  },
  wideIntLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! + b[i]!;
  },
  byteLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! + b[i]!;
  },
  bigintLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! + b[i]!;
  },
});

/**
 * Product. Integer typed arrays wrap as in C; the 16- and 32-bit kinds multiply with Math.imul,
 * because an exact 32-bit product can exceed 2^53 and a double would lose the low bits that
 * survive the wrap. Uint8ClampedArray clamps; BigInt64Array and BigUint64Array wrap modulo 2^64.
 */
export const PROD: Op = elementWiseOp({
  name: 'PROD',
  needs: ARITHMETIC_NEEDS,
  number: (a, b) => a * b,
  bigint: (a, b) => a * b,
  floatLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! * b[i]!;
  },
  wideIntLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = Math.imul(a[i]!, b[i]!);
  },
  byteLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! * b[i]!;
  },
  bigintLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! * b[i]!;
  },
});

/** Minimum, with Math.min's rules for numbers: NaN wins, and -0 is less than 0. */
export const MIN: Op = elementWiseOp({
  name: 'MIN',
  needs: ARITHMETIC_NEEDS,
  number: (a, b) => Math.min(a, b),
  bigint: (a, b) => (a < b ? a : b),
  floatLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = Math.min(a[i]!, b[i]!);
  },
  wideIntLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = Math.min(a[i]!, b[i]!);
  },
  byteLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = Math.min(a[i]!, b[i]!);
  },
  bigintLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! < b[i]! ? a[i]! : b[i]!;
  },
});

/** Maximum, with Math.max's rules for numbers: NaN wins, and 0 is greater than -0. */
export const MAX: Op = elementWiseOp({
  name: 'MAX',
  needs: ARITHMETIC_NEEDS,
  number: (a, b) => Math.max(a, b),
  bigint: (a, b) => (a > b ? a : b),
  floatLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = Math.max(a[i]!, b[i]!);
  },
  wideIntLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = Math.max(a[i]!, b[i]!);
  },
  byteLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = Math.max(a[i]!, b[i]!);
  },
  bigintLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! > b[i]! ? a[i]! : b[i]!;
  },
});

// The logical operators follow C, as MPI does: a number is true when it is not zero (so NaN is
// true, unlike JavaScript truthiness), and the result is 1 or 0 of the operands' type.

/**
 * Logical and. Booleans give a boolean; numbers give 1 or 0, bigints 1n or 0n, typed arrays hold
 * 1 or 0. Any non-zero number, NaN included, counts as true, as in C.
 */
export const LAND: Op = elementWiseOp({
  name: 'LAND',
  needs: LOGICAL_NEEDS,
  boolean: (a, b) => a && b,
  number: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  bigint: (a, b) => (a !== 0n && b !== 0n ? 1n : 0n),
  floatLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i] !== 0 && b[i] !== 0 ? 1 : 0;
  },
  wideIntLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i] !== 0 && b[i] !== 0 ? 1 : 0;
  },
  byteLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i] !== 0 && b[i] !== 0 ? 1 : 0;
  },
  bigintLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i] !== 0n && b[i] !== 0n ? 1n : 0n;
  },
});

/** Logical or, with the same operands and results as {@link LAND}. */
export const LOR: Op = elementWiseOp({
  name: 'LOR',
  needs: LOGICAL_NEEDS,
  boolean: (a, b) => a || b,
  number: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
  bigint: (a, b) => (a !== 0n || b !== 0n ? 1n : 0n),
  floatLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i] !== 0 || b[i] !== 0 ? 1 : 0;
  },
  wideIntLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i] !== 0 || b[i] !== 0 ? 1 : 0;
  },
  byteLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i] !== 0 || b[i] !== 0 ? 1 : 0;
  },
  bigintLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i] !== 0n || b[i] !== 0n ? 1n : 0n;
  },
});

/** Logical exclusive or, with the same operands and results as {@link LAND}. */
export const LXOR: Op = elementWiseOp({
  name: 'LXOR',
  needs: LOGICAL_NEEDS,
  boolean: (a, b) => a !== b,
  number: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
  bigint: (a, b) => ((a !== 0n) !== (b !== 0n) ? 1n : 0n),
  floatLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = (a[i] !== 0) !== (b[i] !== 0) ? 1 : 0;
  },
  wideIntLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = (a[i] !== 0) !== (b[i] !== 0) ? 1 : 0;
  },
  byteLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = (a[i] !== 0) !== (b[i] !== 0) ? 1 : 0;
  },
  bigintLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = (a[i] !== 0n) !== (b[i] !== 0n) ? 1n : 0n;
  },
});

/**
 * The bitwise operators on numbers. JavaScript's `&`, `|` and `^` truncate to 32 bits, so they
 * are used only when both operands are int32; other safe integers go through BigInt, which
 * treats them as two's-complement integers of any width. The result of two safe integers lies in
 * [-2^53, 2^53 - 1], so it always converts back to a number exactly (-2^53 is the one result that
 * is not a safe integer, and it is still exact).
 */
function bitwiseOnNumbers(
  name: string,
  int32: (a: number, b: number) => number,
  wide: (a: bigint, b: bigint) => bigint,
): (a: number, b: number) => number {
  return (a, b) => {
    if ((a | 0) === a && (b | 0) === b) return int32(a, b);
    for (const x of [a, b]) {
      if (!Number.isSafeInteger(x)) throw new Failure(`${name} needs safe integers, got ${x}`);
    }
    return Number(wide(BigInt(a), BigInt(b)));
  };
}

// The bitwise operators have no floatLoop, so Float32Array and Float64Array are refused. Every
// other typed array holds integers of at most 32 bits, which `&`, `|` and `^` handle exactly.

/**
 * Bitwise and of integers: safe-integer numbers (as two's complement of any width), bigints and
 * integer typed arrays. Float32Array and Float64Array are refused.
 */
export const BAND: Op = elementWiseOp({
  name: 'BAND',
  needs: BITWISE_NEEDS,
  number: bitwiseOnNumbers(
    'BAND',
    (a, b) => a & b,
    (a, b) => a & b,
  ),
  bigint: (a, b) => a & b,
  wideIntLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! & b[i]!;
  },
  byteLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! & b[i]!;
  },
  bigintLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! & b[i]!;
  },
});

/** Bitwise or, on the same operands as {@link BAND}. */
export const BOR: Op = elementWiseOp({
  name: 'BOR',
  needs: BITWISE_NEEDS,
  number: bitwiseOnNumbers(
    'BOR',
    (a, b) => a | b,
    (a, b) => a | b,
  ),
  bigint: (a, b) => a | b,
  wideIntLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! | b[i]!;
  },
  byteLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! | b[i]!;
  },
  bigintLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! | b[i]!;
  },
});

/** Bitwise exclusive or, on the same operands as {@link BAND}. */
export const BXOR: Op = elementWiseOp({
  name: 'BXOR',
  needs: BITWISE_NEEDS,
  number: bitwiseOnNumbers(
    'BXOR',
    (a, b) => a ^ b,
    (a, b) => a ^ b,
  ),
  bigint: (a, b) => a ^ b,
  wideIntLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! ^ b[i]!;
  },
  byteLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! ^ b[i]!;
  },
  bigintLoop: (out, a, b) => {
    for (let i = 0, n = out.length; i < n; i++) out[i] = a[i]! ^ b[i]!;
  },
});

// ---------------------------------------------------------------------------------------------
// MINLOC and MAXLOC

type Pair = [value: number | bigint, index: number];

/**
 * An array is taken as an array of pairs when its first element is an array (or it is empty),
 * and as one pair otherwise; a pair is then checked for shape so that a mistake such as
 * `[index, value, extra]` is reported as a bad pair rather than as a length mismatch.
 */
function isArrayOfPairs(value: readonly unknown[]): boolean {
  return value.length === 0 || Array.isArray(value[0]);
}

function checkPair(op: string, value: readonly unknown[]): Pair {
  if (value.length !== 2) throw new Failure(`${op} needs [value, index] pairs, got ${describeSizedValue(value)}`);
  const [v, index] = value;
  if (typeof v !== 'number' && typeof v !== 'bigint') {
    throw new Failure(`${op} needs a number or bigint as the value of a pair, got ${describeSizedValue(v)}`);
  }
  if (typeof index !== 'number') throw new Failure(`${op} needs a number as the index of a pair, got ${describeSizedValue(index)}`);
  return value as Pair;
}

function describeLoc(value: readonly unknown[]): string {
  return isArrayOfPairs(value) ? `an array of ${count(value.length, 'pair')}` : 'a [value, index] pair';
}

/**
 * MINLOC/MAXLOC on pairs or (nested) arrays of pairs. The result is always new pairs, never an
 * operand's, so that changing the result cannot change an operand.
 *
 * A NaN value wins, as NaN does in MIN and MAX; this keeps the operator commutative, which a
 * plain `<` comparison would not (every comparison with NaN is false).
 */
function locOperator(
  op: string,
  better: (x: number | bigint, y: number | bigint) => boolean,
): (a: unknown, b: unknown) => unknown {
  const combine = (a: unknown, b: unknown): unknown => {
    for (const x of [a, b]) {
      if (!Array.isArray(x)) throw new Failure(`${op} needs [value, index] pairs, got ${describeSizedValue(x)}`);
    }
    const left = a as unknown[];
    const right = b as unknown[];
    const leftIsList = isArrayOfPairs(left);
    if (leftIsList !== isArrayOfPairs(right)) {
      throw new Failure(`${op} cannot combine ${describeLoc(left)} with ${describeLoc(right)}`);
    }
    if (leftIsList) {
      if (left.length !== right.length) {
        throw new Failure(`${op} cannot combine ${describeLoc(left)} with ${describeLoc(right)}`);
      }
      return combineArrays(left, right, combine, op);
    }
    const [av, ai] = checkPair(op, left);
    const [bv, bi] = checkPair(op, right);
    if (typeof av !== typeof bv) {
      throw new Failure(`${op} cannot compare ${describeSizedValue(av)} value with ${describeSizedValue(bv)} value`);
    }
    const aNaN = av !== av;
    const bNaN = bv !== bv;
    let winner: Pair;
    if (aNaN || bNaN) winner = aNaN && bNaN ? (ai <= bi ? [av, ai] : [bv, bi]) : aNaN ? [av, ai] : [bv, bi];
    // Equal values (0 and -0 included): the smaller index wins, as MPI specifies.
    else if (av === bv) winner = ai <= bi ? [av, ai] : [bv, bi];
    else winner = better(av, bv) ? [av, ai] : [bv, bi];
    return winner;
  };
  return combine;
}

/**
 * The smallest value with its index: operands are `[value, index]` pairs (value a number or a
 * bigint, index a number) or arrays of pairs, combined pair by pair. On equal values the smaller
 * index wins. A NaN value counts as smallest, as in {@link MIN}.
 *
 * @example `MINLOC.apply([3, 0], [3, 1])` is `[3, 0]`
 */
export const MINLOC: Op = Op.create(reporting(locOperator('MINLOC', (x, y) => x < y)), {
  commutative: true,
  name: 'MINLOC',
});

/**
 * The largest value with its index, on the same operands as {@link MINLOC}. On equal values the
 * smaller index wins. A NaN value counts as largest, as in {@link MAX}.
 */
export const MAXLOC: Op = Op.create(reporting(locOperator('MAXLOC', (x, y) => x > y)), {
  commutative: true,
  name: 'MAXLOC',
});
