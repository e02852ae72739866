/**
 * The task functions of map-plain.ts. createPool() imports this module in every worker, and
 * every exported function can be a task, so it must not do anything when imported.
 */
export function simulate(temperature: number): number {
  // Stands for a long computation.
  return temperature * 2;
}
