/**
 * Deadlock reports: what every rank of a job is waiting in, asked of the ranks over their control
 * channels when --timeout fires or tsmpiexec gets SIGUSR1. A rank answers from its event loop
 * (free while it awaits a call, so a stuck rank answers at once); the report waits a bounded time
 * for the answers and says so for ranks that do not answer.
 */
import type { StatusMessage } from '../../src/protocol/control-messages.js';

/** What the supervisor knows of a rank when the report is asked for. */
export type RankCondition =
  | { readonly kind: 'asked' }
  | { readonly kind: 'not-started' }
  | { readonly kind: 'before-init' }
  | { readonly kind: 'exited'; readonly how: string }
  | { readonly kind: 'host-lost' };

/** One rank in the report. */
export interface ReportedRank {
  readonly rank: number;
  /** Shown only when the job spans hosts. */
  readonly host: string | undefined;
  readonly condition: RankCondition;
}

/** How long the report waits for the ranks' answers. */
export const STATUS_ANSWER_WAIT_MS = 1000;

/** Collects the answers to one round of status requests. */
export class StatusRound {
  readonly id: number;
  readonly #ranks: readonly ReportedRank[];
  readonly #answers = new Map<number, StatusMessage>();
  readonly #asked: number;
  readonly #onComplete: () => void;

  /** `onComplete` is called once every asked rank has answered. */
  constructor(id: number, ranks: readonly ReportedRank[], onComplete: () => void) {
    this.id = id;
    this.#ranks = ranks;
    this.#asked = ranks.filter((rank) => rank.condition.kind === 'asked').length;
    this.#onComplete = onComplete;
  }

  /** True when no rank needs to answer. */
  get complete(): boolean {
    return this.#answers.size >= this.#asked;
  }

  /** Takes a rank's answer. */
  answer(message: StatusMessage): void {
    if (this.#answers.has(message.rank) || !this.#ranks.some((r) => r.rank === message.rank && r.condition.kind === 'asked')) return;
    this.#answers.set(message.rank, message);
    if (this.complete) this.#onComplete();
  }

  /** One line per rank: `rank 2: recv(source=0, tag=7) waiting 30.0 s`. */
  lines(): string[] {
    return this.#ranks.map(({ rank, host, condition }) => {
      const who = host === undefined ? `rank ${rank}` : `rank ${rank} on ${host}`;
      return `${who}: ${describe(condition, this.#answers.get(rank))}`;
    });
  }
}

// More than this many calls of one rank are summarised, so that a report stays readable.
const CALLS_SHOWN = 4;

function describe(condition: RankCondition, answer: StatusMessage | undefined): string {
  switch (condition.kind) {
    case 'not-started':
      return 'not started yet';
    case 'before-init':
      return 'running, but has not joined the job yet (before init(), or early in it): it cannot be asked';
    case 'exited':
      return condition.how;
    case 'host-lost':
      return 'unreachable: its host was lost';
    case 'asked':
      break;
  }
  if (answer === undefined) {
    return `no answer within ${STATUS_ANSWER_WAIT_MS / 1000} s: busy computing without returning to the event loop, or unreachable`;
  }
  // Blocking calls first: they are what the rank waits in; then non-blocking ones not complete.
  const calls = [...answer.calls].sort((a, b) => Number(a.pending) - Number(b.pending));
  if (calls.length === 0) {
    return answer.finalized ? 'finalized, not yet exited' : 'not in a communication call (computing, or awaiting something else)';
  }
  const shown = calls.slice(0, CALLS_SHOWN).map((call) => `${call.call} ${call.pending ? 'pending' : 'waiting'} ${call.seconds.toFixed(1)} s`);
  const more = calls.length > CALLS_SHOWN ? `; and ${calls.length - CALLS_SHOWN} more` : '';
  const onlyPending = calls.every((call) => call.pending) ? ' (not in a blocking call: computing, or waiting on these requests)' : '';
  return `${shown.join('; ')}${more}${onlyPending}`;
}
