/**
 * The work both memory programs do (benchmarks/memory-rank.ts with tsmpi, memory-bare.ts
 * without): Monte Carlo samples of pi and a 1 MiB array, so that the comparison is of the same
 * program with and without the library.
 */

/** Counts samples inside the unit circle and fills a 1 MiB array; returns the count. */
export function work(samples: number): number {
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    const x = Math.random();
    const y = Math.random();
    if (x * x + y * y < 1) inside++;
  }
  const field = new Float64Array(1 << 17).fill(inside);
  return inside + (field[0] as number) * 0;
}

/** Prints this process's peak resident set size as one benchmark record. */
export function reportPeakRss(impl: string, np: number): void {
  const value = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ bench: 'peak RSS per process', impl, np, size: 0, value, unit: 'MiB' }));
}
