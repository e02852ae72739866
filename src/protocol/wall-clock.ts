/**
 * The one clock the launcher and its ranks read for --trace and --profile. A rank measures its
 * offset to the launcher's reading of it (clock-ping, clock-pong), so both sides must compute it
 * the same way for the ranks' records to line up in one trace.
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds since the Unix epoch, with performance.now()'s resolution and steadiness. */
export function wallClockNow(): number {
  return performance.timeOrigin + performance.now();
}
