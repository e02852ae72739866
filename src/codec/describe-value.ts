/**
 * How error messages name values: what a value is, never what it holds (a value may be large or
 * private).
 */

/** The name with its indefinite article: "a Float64Array", "an Int32Array", "a Uint8Array", "an object". */
export function withArticle(name: string): string {
  // By sound: the names that reach here start with U only as "Uint" ("a Uint8Array").
  return `${/^[aeio]/i.test(name) ? 'an' : 'a'} ${name}`;
}

/** What `value` is, for error messages: "a Float64Array", "an array of 3 elements", "a string". */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of ${value.length} elements`;
  if (ArrayBuffer.isView(value)) return withArticle(value.constructor.name);
  if (typeof value === 'object') return withArticle((value as object).constructor?.name ?? 'object');
  return withArticle(typeof value);
}
