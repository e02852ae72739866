/**
 * What a reduction algorithm needs from an operator: a way to combine two operands, lower rank
 * first, and whether the order may change. Reduction operators (reduce-op.ts) are combiners.
 */

/** Combines two operands; `a` comes from the lower rank. */
export interface Combiner<T> {
  readonly name: string;
  readonly commutative: boolean;
  apply(a: T, b: T): T;
  /**
   * Like {@link apply}, but may write the result into `into` (which may be `a` or `b`) instead of
   * a new value. Only for an operand the algorithm received, and so owns: never the caller's.
   */
  applyInto(a: T, b: T, into: T): T;
}
