/**
 * The progress bar tsmpiexec draws on its terminal for a rank's long operation (a pool map):
 * `map simulate [########......] 40/100 40% 12.5/s ETA 5s`. It lives on the last line, is
 * cleared before any output line is written and redrawn after, and stays as a plain line once
 * the operation is complete. Only used when standard error is a terminal.
 */

/** Where the bar is drawn (a terminal). */
export interface Terminal {
  write(text: string): unknown;
}

const WIDTH = 24;
const CLEAR_LINE = '\r\x1b[K';

/** One bar at a time: the latest operation reported. */
export class ProgressBar {
  readonly #terminal: Terminal;
  readonly #now: () => number;
  #shown = '';
  #label = '';
  #started = 0;

  constructor(terminal: Terminal, now: () => number = () => performance.now()) {
    this.#terminal = terminal;
    this.#now = now;
  }

  /** Shows that `done` of `total` items of `label` are finished. */
  update(label: string, done: number, total: number | null): void {
    if (label !== this.#label || done === 0) {
      this.#label = label;
      this.#started = this.#now();
    }
    const seconds = Math.max((this.#now() - this.#started) / 1000, 1e-3);
    const rate = done / seconds;
    let text = `${label} `;
    if (total !== null && total > 0) {
      const filled = Math.round((WIDTH * Math.min(done, total)) / total);
      const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
      text += `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} ${Math.floor((100 * done) / total)}% ${rate.toFixed(1)}/s ETA ${eta}s`;
    } else {
      text += `${done} done ${rate.toFixed(1)}/s`;
    }
    this.#terminal.write(CLEAR_LINE + text);
    this.#shown = text;
    if (total !== null && done >= total) {
      // Complete: leave it as an ordinary line.
      this.#terminal.write('\n');
      this.#shown = '';
    }
  }

  /** Removes the bar before other output is written. */
  clear(): void {
    if (this.#shown !== '') this.#terminal.write(CLEAR_LINE);
  }

  /** Draws the bar again after other output. */
  redraw(): void {
    if (this.#shown !== '') this.#terminal.write(this.#shown);
  }
}
