/**
 * Carries one rank's output stream to the launcher's, a whole line at a time, so that lines of
 * different ranks never mix inside a line. With a prefix (--tag-output) every line gets it.
 */

/** Where complete lines go. Returns false when the destination wants the source to pause. */
export type LineSink = (text: string) => boolean;

// A line longer than this is passed on in pieces rather than held without bound.
const MAX_HELD_BYTES = 1 << 20;

/** Splits a stream into lines and passes them on. */
export class LineForwarder {
  readonly #sink: LineSink;
  readonly #prefix: string | (() => string);
  readonly #endPartialLine: boolean;
  #held = '';

  /**
   * @param sink - receives text made of whole lines
   * @param prefix - put before every line ('' for none); a function is asked once per batch of
   *   lines (for timestamps)
   * @param endPartialLine - end a last line that lacks a newline with one, so that the next
   *   output of another rank starts on a line of its own
   */
  constructor(sink: LineSink, prefix: string | (() => string) = '', endPartialLine = true) {
    this.#sink = sink;
    this.#prefix = prefix;
    this.#endPartialLine = endPartialLine;
  }

  /** Passes on every line `chunk` completes. Returns the sink's wish to pause (false). */
  write(chunk: string): boolean {
    const lastNewline = chunk.lastIndexOf('\n');
    if (lastNewline < 0) {
      this.#held += chunk;
      return this.#held.length > MAX_HELD_BYTES ? this.#flushHeld() : true;
    }
    const complete = this.#held + chunk.slice(0, lastNewline + 1);
    this.#held = chunk.slice(lastNewline + 1);
    return this.#sink(this.#prefixed(complete));
  }

  /** Passes on what is left at the end of the stream. */
  end(): void {
    if (this.#held.length === 0) return;
    if (this.#endPartialLine || this.#prefix !== '') {
      this.#flushHeld();
      return;
    }
    this.#sink(this.#held);
    this.#held = '';
  }

  #flushHeld(): boolean {
    const text = `${this.#held}\n`;
    this.#held = '';
    return this.#sink(this.#prefixed(text));
  }

  #prefixed(lines: string): string {
    const prefix = typeof this.#prefix === 'string' ? this.#prefix : this.#prefix();
    if (prefix === '') return lines;
    // `lines` ends with a newline; prefix the start of each line it holds.
    return prefix + lines.slice(0, -1).replaceAll('\n', `\n${prefix}`) + '\n';
  }
}
