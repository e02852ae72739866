/**
 * The heartbeat between tsmpiexec and a node agent: each side sends a beat at a fixed interval
 * and counts the other side as gone when nothing at all (beat or other message) has arrived for
 * the silence bound. It catches what a closed pipe cannot: a host that hangs, or a network link
 * that goes down without a reset, where ssh's own keep-alives may take far longer (or, on the
 * far side, sshd may never give up).
 */

/** Default bound, in seconds, after which a silent peer counts as lost. */
export const DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 10;

/** Beats per silence bound: a peer is declared lost after missing this many beats in a row. */
const BEATS_PER_TIMEOUT = 5;

/** Interval between beats for a silence bound of `timeoutMs`. */
export function heartbeatIntervalMs(timeoutMs: number): number {
  return Math.max(50, Math.floor(timeoutMs / BEATS_PER_TIMEOUT));
}

/** Options of a {@link Heartbeat}. */
export interface HeartbeatOptions {
  /** Silence longer than this makes the peer lost (noticed within one interval more). */
  readonly timeoutMs: number;
  /** Sends one beat to the peer. */
  readonly beat: () => void;
  /** The peer has been silent for longer than the bound; called once, then the heartbeat stops. */
  readonly silent: (silentMs: number) => void;
}

/**
 * Beats at a fixed interval and watches the peer. Call {@link Heartbeat.heard} whenever anything
 * arrives from the peer. Its timer never keeps a process alive on its own.
 */
export class Heartbeat {
  readonly #options: HeartbeatOptions;
  readonly #timer: NodeJS.Timeout;
  readonly #intervalMs: number;
  #lastHeard = Date.now();
  #lastTick = Date.now();
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#options = options;
    this.#intervalMs = heartbeatIntervalMs(options.timeoutMs);
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Something arrived from the peer. */
  heard(): void {
    this.#lastHeard = Date.now();
  }

  /** Stops beating and watching. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  #tick(): void {
    if (this.#stopped) return;
    const now = Date.now();
    // A late tick means this process was stalled (its own event loop, or the machine): what the
    // peer sent meanwhile may still wait unread, so the stall does not count against the peer.
    if (now - this.#lastTick > 2 * this.#intervalMs) this.#lastHeard = now;
    this.#lastTick = now;
    const silentMs = now - this.#lastHeard;
    if (silentMs > this.#options.timeoutMs) {
      this.stop();
      this.#options.silent(silentMs);
      return;
    }
    this.#options.beat();
  }
}
