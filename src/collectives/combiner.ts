/**
 * What a reduction algorithm needs from an operator: a way to combine two operands, lower rank
 * first, and whether the order may change. Reduction operators (reduce-op.ts) are combiners.
 */

/** Combines two operands; `a` comes from the lower rank. */
export interface Combiner<T> {
  readonly name: string;
  readonly commutative: boolean;
  apply(a: T, b: T): T;
}
