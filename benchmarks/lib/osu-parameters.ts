/**
 * The OSU point-to-point parameters (docs/performance.md, "How each figure is defined") that tsmpi's rank program
 * (p2p-rank.ts) and the raw zeromq.js baseline (p2p-zeromq.ts) share, so that both measure the
 * same sizes with the same loops. Free of tsmpi: the baseline must not load the library it is the
 * floor of.
 */

/** osu_bw's window: non-blocking sends in flight before the receiver's ack. */
export const WINDOW = 64;

/** The message sizes in bytes: 1 B to 4 MiB by powers of two, or five of them in quick mode. */
export function pointToPointSizes(quick: boolean): number[] {
  return quick ? [8, 1024, 65536, 1 << 20, 1 << 22] : Array.from({ length: 23 }, (_, i) => 2 ** i);
}

/**
 * Round trips of 1 byte that start each point-to-point job before its first timed size (none in
 * quick mode): osu_latency's 100 warm-up round trips assume compiled code, and a Node process's
 * first 2 000-3 000 round trips run partly unoptimised (in the night run of 2026-12-03 tsmpi's
 * 1-byte row read 87 µs, its 8-byte row 72.5). tsmpi and raw zeromq.js get the same.
 */
export function jobWarmupRoundTrips(quick: boolean): number {
  return quick ? 0 : 5000;
}

/** Warm-up and timed round trips of the latency loop for `size` bytes (osu_latency's counts when not quick). */
export function latencyIterations(size: number, quick: boolean): [warmup: number, iterations: number] {
  return quick ? (size > 8192 ? [2, 20] : [20, 500]) : size > 8192 ? [10, 1000] : [100, 10000];
}

/** Skipped and timed windows of the bandwidth loop for `size` bytes: a tenth and a twentieth of the latency loop's. */
export function bandwidthLoops(size: number, quick: boolean): [skip: number, loops: number] {
  const [warmup, iterations] = latencyIterations(size, quick);
  return [Math.max(1, Math.floor(warmup / 10)), Math.max(2, Math.floor(iterations / 20))];
}

/**
 * Plain values (arrays of numbers, through the serializer) above 64 KiB: msgpackr encodes and
 * decodes about 150-250 MB/s here (a 4 MiB array of numbers takes about 30 ms to encode and 20 to
 * decode), so a round trip of 4 MiB costs about 0.1 s and OSU's counts would take minutes.
 */
const PLAIN_VALUE_LARGE = 65536;

/** Warm-up and timed round trips of the latency loop for a plain value of `size` bytes. */
export function plainValueLatencyIterations(size: number, quick: boolean): [warmup: number, iterations: number] {
  if (size <= PLAIN_VALUE_LARGE) return latencyIterations(size, quick);
  return quick ? [1, 5] : [2, 20];
}

/**
 * Skipped and timed windows of the bandwidth loop for a plain value of `size` bytes; undefined
 * where the run leaves the size out (in quick mode above 64 KiB: one window of 64 arrays of 4 MiB
 * takes about 3 s).
 */
export function plainValueBandwidthLoops(size: number, quick: boolean): [skip: number, loops: number] | undefined {
  if (size <= PLAIN_VALUE_LARGE) return bandwidthLoops(size, quick);
  return quick ? undefined : [1, 2];
}

/**
 * Warm-up and timed round trips of the paired 8-byte latency runs (p2p.ts): short runs of tsmpi
 * and raw zeromq.js in turn, so that the two are seconds apart instead of a whole suite. The warm-up
 * is longer than osu_latency's 100 because these runs start cold: tsmpi's first 2 000-3 000 round
 * trips (V8 optimising its code) take up to 1.6 times as long as the later ones.
 */
export function pairedLatencyIterations(quick: boolean): [warmup: number, iterations: number] {
  return quick ? [3000, 2000] : [10000, 10000];
}

/** The message size of the paired latency runs: the 8 bytes of the latency target. */
export const PAIRED_LATENCY_SIZE = 8;
