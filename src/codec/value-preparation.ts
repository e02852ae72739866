/**
 * One pass over a value before it is packed: refuses what cannot arrive equal (naming the path to
 * it) and lifts every nested Buffer/TypedArray out of the structure so that its bytes travel as a
 * frame of their own instead of through the serializer.
 */
import { TsmpiError } from '../errors.js';
import { copyBytes, lendBytes, rawArrayKindOf } from './typed-array-kinds.js';

/** Stands in the packed structure for a binary array that travels as frame `frameIndex`. */
export class OutOfBandArray {
  constructor(
    readonly frameIndex: number,
    readonly kindCode: number,
  ) {}
}

/** Stands in the packed structure for -0, which msgpack would write as the integer 0. */
export class NegativeZero {}

const NEGATIVE_ZERO = new NegativeZero();

/** The structure to pack and the byte frames lifted out of it, in frame order. */
export interface PreparedValue {
  readonly packable: unknown;
  readonly frames: Buffer[];
  /** True when some frame is the sender's own memory rather than a copy. */
  readonly lent: boolean;
}

type PathStep = string | number | { readonly mapKey: unknown } | { readonly setItem: number };

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function formatPath(steps: readonly PathStep[]): string {
  let path = 'data';
  for (const step of steps) {
    if (typeof step === 'number') path += `[${step}]`;
    else if (typeof step === 'string') path += IDENTIFIER.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
    else if ('mapKey' in step) path += `.get(${describeKey(step.mapKey)})`;
    else path += `<Set item ${step.setItem}>`;
  }
  return path;
}

function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'bigint') return `${key}n`;
  if (typeof key === 'object' && key !== null) return '{...}';
  return String(key);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// Built-ins msgpackr carries faithfully with `moreTypes` (besides plain data and raw arrays).
const PASSED_THROUGH: readonly (abstract new (...args: never[]) => object)[] = [
  Date,
  RegExp,
  Error,
  ArrayBuffer,
  DataView,
];

/**
 * Checks `value` and lifts its binary arrays out of band. The result shares every part of `value`
 * that holds no binary array; containers on the way to one are shallow-copied, never mutated.
 * Arrays of `lendFromBytes` bytes or more become frames over their own memory; smaller ones are
 * copied by `copy`.
 *
 * @throws TsmpiError ERR_UNSENDABLE naming the path of the first part that cannot be sent
 */
export function prepareValue(value: unknown, lendFromBytes = Infinity, copy: (array: ArrayBufferView) => Buffer = copyBytes): PreparedValue {
  const frames: Buffer[] = [];
  let lent = false;
  const path: PathStep[] = [];
  const ancestors = new Set<object>();

  const refuse = (what: string): never => {
    throw new TsmpiError('ERR_UNSENDABLE', `${formatPath(path)} ${what}, which cannot be sent`);
  };

  const visit = (item: unknown): unknown => {
    switch (typeof item) {
      case 'number':
        return item === 0 && Object.is(item, -0) ? NEGATIVE_ZERO : item;
      case 'undefined':
      case 'boolean':
      case 'string':
      case 'bigint':
        return item;
      case 'function':
        return refuse('is a function');
      case 'symbol':
        return refuse('is a symbol');
    }
    if (item === null) return item;
    const object = item as object;
    const kind = rawArrayKindOf(object);
    if (kind !== undefined) {
      const array = object as ArrayBufferView;
      const lend = array.byteLength >= lendFromBytes;
      lent ||= lend;
      frames.push(lend ? lendBytes(array) : copy(array));
      return new OutOfBandArray(frames.length - 1, kind.code);
    }
    if (ancestors.has(object)) return refuse('refers back to one of its own containers (a circular structure)');
    ancestors.add(object);
    try {
      const proto = Object.getPrototypeOf(object);
      if (proto === Array.prototype) return visitArray(object as unknown[]);
      if (proto === Map.prototype) return visitMap(object as Map<unknown, unknown>);
      if (proto === Set.prototype) return visitSet(object as Set<unknown>);
      if (isPlainObject(object)) return visitObject(object as Record<string, unknown>);
      if (PASSED_THROUGH.some((type) => proto === type.prototype) || object instanceof Error) return object;
      // A subclass would arrive as its base class (or, for Map, as an empty object): refuse it.
      const base = [Array, Map, Set, Date, RegExp, ArrayBuffer, DataView].find((type) => object instanceof type);
      if (base !== undefined) {
        return refuse(`is an instance of ${object.constructor.name}, a subclass of ${base.name} (send a plain ${base.name} instead)`);
      }
      if (ArrayBuffer.isView(object)) return refuse(`is a ${object.constructor.name}`);
      if (object instanceof Promise) return refuse('is a Promise');
      if (object instanceof WeakMap || object instanceof WeakSet) return refuse(`is a ${object.constructor.name}`);
      const name = (object.constructor as { name?: string } | undefined)?.name ?? 'an unknown class';
      return refuse(`is an instance of ${name} (only plain objects, arrays, Map, Set, Date and binary arrays keep their type)`);
    } finally {
      ancestors.delete(object);
    }
  };

  const visitArray = (array: readonly unknown[]): unknown[] => {
    let copy: unknown[] | undefined;
    for (let i = 0; i < array.length; i++) {
      path.push(i);
      const original = array[i];
      const prepared = visit(original);
      path.pop();
      if (copy === undefined && prepared !== original) copy = array.slice(0, i);
      copy?.push(prepared);
    }
    return copy ?? (array as unknown[]);
  };

  const visitObject = (object: Record<string, unknown>): Record<string, unknown> => {
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(object)) {
      path.push(key);
      const original = object[key];
      const prepared = visit(original);
      path.pop();
      if (copy === undefined && prepared !== original) copy = { ...object };
      if (copy !== undefined) copy[key] = prepared;
    }
    return copy ?? object;
  };

  const visitMap = (map: Map<unknown, unknown>): Map<unknown, unknown> => {
    let changed = false;
    const entries: [unknown, unknown][] = [];
    for (const [key, entryValue] of map) {
      path.push({ mapKey: key });
      const preparedKey = visit(key);
      const preparedValue = visit(entryValue);
      path.pop();
      changed ||= preparedKey !== key || preparedValue !== entryValue;
      entries.push([preparedKey, preparedValue]);
    }
    return changed ? new Map(entries) : map;
  };

  const visitSet = (set: Set<unknown>): Set<unknown> => {
    let changed = false;
    const items: unknown[] = [];
    let index = 0;
    for (const member of set) {
      path.push({ setItem: index++ });
      const prepared = visit(member);
      path.pop();
      changed ||= prepared !== member;
      items.push(prepared);
    }
    return changed ? new Set(items) : set;
  };

  const packable = visit(value);
  return { packable, frames, lent };
}
