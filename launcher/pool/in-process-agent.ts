/**
 * The agent of a rank that is the calling process itself (rank 0 of a pool started with
 * createPool): to the supervisor it is a LaunchAgent like any other; to the rank it is the link
 * to the launcher. Nothing is spawned, and a signal meant for the rank ends its part in the job
 * instead of the process.
 */
import { hostname } from 'node:os';
import type { LauncherToRank, RankToLauncher } from '../../src/protocol/control-messages.js';
import type { LauncherLink } from '../../src/runtime/join-job.js';
import type { JobCredentials } from '../../src/transport/job-secret.js';
import type { AgentEvents, RankSpec } from '../agents/launch-agent.js';
import type { EmbeddedRankAgent } from '../launch.js';
import { statusAnswer } from '../../src/observe/status-answer.js';

/** A LaunchAgent and LauncherLink for a rank living in this process. */
export class InProcessAgent implements EmbeddedRankAgent, LauncherLink {
  readonly host = hostname();
  /** The job's size and this rank's tcp address, once the job is planned. */
  place: { readonly size: number; readonly tcpAddress: string | undefined } | undefined;
  #events: AgentEvents | undefined;
  #rank = 0;
  readonly #inbox: LauncherToRank[] = [];
  #waiter: ((message: LauncherToRank) => void) | undefined;
  #ended = false;
  #onStop: ((signal: NodeJS.Signals) => void) | undefined;

  assign(place: { readonly size: number; readonly tcpAddress: string | undefined; readonly credentials: JobCredentials }): void {
    this.place = place;
    // What a spawned rank reads first on its control channel, this rank finds first in its inbox.
    this.#inbox.push({ type: 'credentials', secret: place.credentials.secret, encrypt: place.credentials.encrypt });
  }

  start(ranks: readonly RankSpec[], events: AgentEvents): void {
    this.#events = events;
    this.#rank = ranks[0]?.rank ?? 0;
    events.started(this.#rank, process.pid);
  }

  /** Called when the job stops this rank (another rank failed, a timeout, an interrupt). */
  onStop(handler: (signal: NodeJS.Signals) => void): void {
    this.#onStop = handler;
  }

  /** The rank is done with the job: reports its end to the supervisor. */
  end(code: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#events?.exited(this.#rank, { code, signal: null });
  }

  // LauncherLink: the rank's side.
  send(message: RankToLauncher): void {
    this.#events?.control(this.#rank, message);
  }

  next(): Promise<LauncherToRank> {
    const queued = this.#inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  // LaunchAgent: the supervisor's side.
  sendControl(_rank: number, message: LauncherToRank): void {
    // The rank is this process: it answers a status request at once, from its own call tracker.
    // Never finalized: this rank is the pool's, not the COMM_WORLD of init() and finalize(), and
    // it leaves the job through end(), reported as an exit, so while it can be asked it is in.
    if (message.type === 'status-request') {
      this.send(statusAnswer(this.#rank, message, false));
      return;
    }
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter !== undefined) waiter(message);
    else this.#inbox.push(message);
  }

  signal(_rank: number, signal: NodeJS.Signals): void {
    if (this.#ended) return;
    this.#onStop?.(signal);
    this.#ended = true;
    this.#events?.exited(this.#rank, { code: null, signal });
  }

  writeStdin(): void {}

  setOutputPaused(): void {}

  close(): void {}
}
