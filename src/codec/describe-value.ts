/**
 * How error messages name values: what a value is, never what it holds (a value may be large or
 * private).
 */

/** The name with its indefinite article: "a Float64Array", "an Int32Array", "a Uint8Array", "an object". */
export function withArticle(name: string): string {
  // By sound: the names that reach here start with U only as "Uint" ("a Uint8Array").
  return `${/^[aeio]/i.test(name) ? 'an' : 'a'} ${name}`;
}

/** What `value` is, for error messages: "a Float64Array", "an array of 3 elements", "a string", "a Map". */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of ${count(value.length, 'element')}`;
  if (ArrayBuffer.isView(value)) return withArticle(value.constructor.name);
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    // A plain object is "an object", not "an Object".
    return name === undefined || name === 'Object' ? 'an object' : withArticle(name);
  }
  return withArticle(typeof value);
}

/**
 * {@link describeValue} with the length of a binary array: "a Float64Array of 3 elements", "a
 * Buffer of 1 byte" (a Buffer is thought of as bytes, every other kind as elements of its type).
 */
export function describeSizedValue(value: unknown): string {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return describeValue(value);
  const array = value as unknown as { readonly length: number };
  return `${describeValue(value)} of ${count(array.length, Buffer.isBuffer(value) ? 'byte' : 'element')}`;
}

/** "1 element", "3 elements". */
export function count(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
