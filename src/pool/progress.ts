/**
 * Progress of a pool call: counted as results come back, given to the caller's callback, and
 * sent (at most ten times a second, and once at the end) to tsmpiexec, which draws a bar when its
 * standard error is a terminal.
 */
import { sendToLauncher } from '../runtime/launcher-link.js';

/** What a progress callback is told. */
export interface Progress {
  readonly done: number;
  /** Total items, or null when the input's length is unknown. */
  readonly total: number | null;
  /** Items per second since the call started. */
  readonly rate: number;
  /** Estimated seconds left, or null when the total is unknown. */
  readonly etaSeconds: number | null;
}

/** `true` for tsmpiexec's progress bar; a function to be told of progress instead. */
export type ProgressOption = boolean | ((progress: Progress) => void);

const MIN_INTERVAL_MS = 100;

/** Counts one call's finished items and reports them. */
export class ProgressTracker {
  readonly #label: string;
  readonly #total: number | null;
  readonly #callback: ((progress: Progress) => void) | undefined;
  readonly #toLauncher: boolean;
  readonly #rank: number;
  readonly #started = performance.now();
  #done = 0;
  #lastSent = 0;

  constructor(label: string, total: number | null, option: ProgressOption, rank: number) {
    this.#label = label;
    this.#total = total;
    this.#callback = typeof option === 'function' ? option : undefined;
    this.#toLauncher = option === true;
    this.#rank = rank;
  }

  /** Records `count` more finished items. */
  add(count: number): void {
    this.#done += count;
    const now = performance.now();
    const finished = this.#total !== null && this.#done >= this.#total;
    if (!finished && now - this.#lastSent < MIN_INTERVAL_MS) return;
    this.#lastSent = now;
    const rate = this.#done / Math.max((now - this.#started) / 1000, 1e-3);
    const etaSeconds = this.#total === null ? null : (this.#total - this.#done) / Math.max(rate, 1e-9);
    this.#callback?.({ done: this.#done, total: this.#total, rate, etaSeconds });
    if (this.#toLauncher) sendToLauncher({ type: 'progress', rank: this.#rank, label: this.#label, done: this.#done, total: this.#total });
  }
}
