/**
 * User spans for tsmpiexec --trace: a program marks its own phases so that computation shows
 * beside communication in the timeline.
 */
import { isRecording } from './call-recorder.js';
import { ArgsShape, beginCall, trackCall } from './call-tracker.js';

/** Marks phases of a program in the trace that `tsmpiexec --trace FILE` writes. */
export const trace = {
  /**
   * Runs `fn` and, when the job is traced (or profiled), records it as a span named `name` on
   * this rank's track. Spans may nest and may contain communication calls. Without --trace or
   * --profile it just runs `fn`.
   *
   * @example
   * ```ts
   * const matrix = await trace.span('assemble matrix', async () => assemble(part));
   * ```
   * @returns what `fn` returns (awaited)
   */
  async span<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    if (!isRecording()) return fn();
    return trackCall(beginCall('span', String(name), ArgsShape.Span), async () => fn());
  },
};
