/**
 * Supervises one job from start to exit code: starts the ranks through their node agents, brings
 * them together (rendezvous), carries their output, and ends the job as mpirun users expect: when
 * a rank fails every other rank is stopped (SIGTERM, then SIGKILL after a grace period), the cause
 * is printed once, and the exit code says what happened.
 */
import { wallClockNow } from '../../src/protocol/wall-clock.js';
import { CONTROL_PROTOCOL_VERSION, type CallRecord, type HelloMessage, type FatalMessage, type RankToLauncher } from '../../src/protocol/control-messages.js';
import type { AgentEvents, LaunchAgent, RankSpec, RankTermination } from '../agents/launch-agent.js';
import { LineForwarder } from '../output/line-forwarder.js';
import type { ProgressBar } from '../output/progress-bar.js';
import { exitCodeForSignal } from './signals.js';
import { STATUS_ANSWER_WAIT_MS, StatusRound, type RankCondition } from './status-report.js';

/** Exit code of a job stopped by --timeout (the convention of GNU timeout). */
export const TIMEOUT_EXIT_CODE = 124;

/** Why a job ended. */
export type JobEndReason =
  | 'success'
  | 'rank-failed'
  | 'timeout'
  | 'interrupted'
  /** A rank exited without calling init() while others waited in init() for it. */
  | 'init-incomplete'
  /** A rank broke the control protocol (for example a different tsmpi version). */
  | 'protocol-error'
  /** A host could not be reached, or its agent failed or went away. */
  | 'host-failed';

/** How one rank ended. */
export interface RankExit {
  readonly rank: number;
  readonly host: string;
  readonly pid: number | undefined;
  /** Exit code, or null when the process died of a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when tsmpiexec stopped this rank because the job was ending. */
  readonly stoppedByLauncher: boolean;
  /** The uncaught exception or rejection the rank died of, as its first line. */
  readonly error?: string;
}

/** What a finished job reports. */
export interface JobResult {
  /** The exit code tsmpiexec exits with. */
  readonly exitCode: number;
  readonly reason: JobEndReason;
  /** Every rank's end, indexed by rank. */
  readonly ranks: readonly RankExit[];
}

/** A writable the job prints to (tsmpiexec's stdout/stderr, or a test's). */
export interface OutputSink {
  write(text: string): boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  removeListener(event: 'drain' | 'close', listener: () => void): unknown;
  /** True once the stream is unusable (its reader went away): output is then dropped. */
  readonly destroyed?: boolean;
}

/** Clock functions, injectable for tests. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Everything the supervisor needs to run a job. */
export interface JobPlan {
  /** Ranks to start, with the agent of the node each runs on. */
  readonly ranks: readonly { readonly spec: RankSpec; readonly agent: LaunchAgent }[];
  /** Some node runs more ranks than it has slots; told to every rank with the table of peers. */
  readonly oversubscribed?: boolean;
  readonly stdout: OutputSink;
  readonly stderr: OutputSink;
  /** Abort the job after this long; undefined for no limit. */
  readonly timeoutMs: number | undefined;
  /** Time between SIGTERM and SIGKILL when stopping ranks. */
  readonly killGraceMs: number;
  /**
   * Rank 0's exit code is the job's answer, not a failure (tsmpiexec --tasks exits with the
   * number of failed commands); a rank 0 killed by a signal still fails the job.
   */
  readonly exitCodeFromRank0?: boolean;
  /** Draws the progress ranks report (given only when tsmpiexec's stderr is a terminal). */
  readonly progress?: ProgressBar;
  /**
   * Receives the ranks' call records (--trace, --profile); `finish` runs when the job has ended
   * and returns problems to print.
   */
  readonly recording?: { add(rank: number, records: readonly CallRecord[]): void; finish(): string[] };
  /** Makes output lines of ranks (--tag-output tags, timestamps, colour, files); default: lines forwarded unprefixed. */
  readonly output?: RankOutputFactory;
  /** Called once the job has ended, before the result resolves (for cleanup). */
  readonly onEnd?: () => void;
  readonly timers?: Timers;
}

interface RankState {
  readonly rank: number;
  readonly agent: LaunchAgent;
  pid: number | undefined;
  hello: HelloMessage | undefined;
  fatal: FatalMessage | undefined;
  termination: RankTermination | undefined;
  stoppedByLauncher: boolean;
  /** In finalize(), and whether it has been released (see #releaseFinalized). */
  finalized: boolean;
  released: boolean;
  readonly out: RankOutput['out'];
  readonly err: RankOutput['err'];
}

type Phase = 'running' | 'stopping' | 'ended';

/** Where one rank's stdout and stderr go. */
export interface RankOutput {
  readonly out: { write(text: string): unknown; end(): void };
  readonly err: { write(text: string): unknown; end(): void };
}

/** Makes each rank's output (given how the supervisor writes to tsmpiexec's own streams). */
export type RankOutputFactory = (
  rank: number,
  host: string,
  toStdout: (text: string) => boolean,
  toStderr: (text: string) => boolean,
) => RankOutput;

/** A deadlock report waiting for the ranks' answers. */
interface PendingReport {
  readonly round: StatusRound;
  /** Called once the report is printed. */
  readonly waiters: (() => void)[];
  /** Ends the wait for answers. */
  timer?: unknown;
}

/** A running job. */
export class Job {
  /** Resolves when every rank has ended. */
  readonly result: Promise<JobResult>;
  readonly #plan: JobPlan;
  readonly #timers: Timers;
  readonly #ranks: RankState[];
  readonly #agents: LaunchAgent[];
  #phase: Phase = 'running';
  #reason: JobEndReason = 'success';
  #interruptSignal: NodeJS.Signals | undefined;
  #live: number;
  #helloCount = 0;
  // The peer table goes out once: every later message a rank has not asked for is one that may
  // reach it after it exited, and a write to a closed control socket destroys the launcher's
  // end with the rank's last messages (its call records) still unread in it.
  #peersSent = false;
  #timeoutHandle: unknown;
  #killHandle: unknown;
  // Sinks whose buffers are full: the ranks' output is paused until every one drains.
  readonly #blockedSinks = new Set<OutputSink>();
  #resolve!: (result: JobResult) => void;
  #statusRounds = 0;
  // The deadlock report waiting for answers: its round, the timer that ends the wait, and whoever
  // waits for it to be printed (a report asked meanwhile shares it).
  #report: PendingReport | undefined;

  constructor(plan: JobPlan) {
    this.#plan = plan;
    this.#timers = plan.timers ?? { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.result = new Promise((resolve) => (this.#resolve = resolve));
    const multi = plan.ranks.length > 1;
    this.#ranks = plan.ranks.map(({ spec, agent }) => {
      const toStdout = (text: string): boolean => this.#emit(plan.stdout, text);
      const toStderr = (text: string): boolean => this.#emit(plan.stderr, text);
      const output = plan.output?.(spec.rank, agent.host, toStdout, toStderr) ?? {
        out: new LineForwarder(toStdout, '', multi),
        err: new LineForwarder(toStderr, '', multi),
      };
      return {
        rank: spec.rank,
        agent,
        pid: undefined,
        hello: undefined,
        fatal: undefined,
        termination: undefined,
        stoppedByLauncher: false,
        finalized: false,
        released: false,
        ...output,
      };
    });
    this.#agents = [...new Set(plan.ranks.map(({ agent }) => agent))];
    this.#live = this.#ranks.length;

    if (plan.timeoutMs !== undefined) {
      this.#timeoutHandle = this.#timers.setTimeout(() => this.#onTimeout(), plan.timeoutMs);
    }
    const events = this.#events();
    for (const agent of this.#agents) {
      agent.start(
        plan.ranks.filter((entry) => entry.agent === agent).map((entry) => entry.spec),
        events,
      );
    }
  }

  /**
   * Stops the job because tsmpiexec received `signal` (Ctrl-C is SIGINT). The first call stops
   * the ranks in order; a second kills them at once.
   */
  interrupt(signal: NodeJS.Signals): void {
    if (this.#phase === 'running') {
      this.#interruptSignal = signal;
      this.#say(`received ${signal}; stopping ${this.#live} rank${this.#live === 1 ? '' : 's'} (repeat to kill them at once)`);
      this.#stop('interrupted');
    } else if (this.#phase === 'stopping') {
      this.#interruptSignal ??= signal;
      this.#killAll();
    }
  }

  /**
   * Prints what every rank is waiting in (a deadlock report); resolves once printed. The ranks
   * are asked over their control channels; answers are awaited at most a second.
   */
  reportStatus(): Promise<void> {
    return new Promise((resolve) => this.#reportStatus(resolve));
  }

  /** Prints the deadlock report, then calls `done` (at once when no rank needs asking). */
  #reportStatus(done: () => void): void {
    if (this.#phase === 'ended') {
      done();
      return;
    }
    if (this.#report !== undefined) {
      this.#report.waiters.push(done);
      return;
    }
    const hostCount = new Set(this.#agents).size;
    const ranks = this.#ranks.map((state) => ({
      rank: state.rank,
      host: hostCount > 1 ? state.agent.host : undefined,
      condition: conditionOf(state),
    }));
    const round: StatusRound = new StatusRound(++this.#statusRounds, ranks, () => {
      if (this.#report?.round === round) this.#printReport();
    });
    const report: PendingReport = { round, waiters: [done] };
    this.#report = report;
    if (round.complete) {
      this.#printReport();
      return;
    }
    report.timer = this.#timers.setTimeout(() => this.#printReport(), STATUS_ANSWER_WAIT_MS);
    for (const state of this.#ranks) {
      if (conditionOf(state).kind === 'asked') state.agent.sendControl(state.rank, { type: 'status-request', id: round.id });
    }
  }

  /** Prints the report waiting for answers, if any, with the answers so far, and releases its waiters. */
  #printReport(): void {
    const report = this.#report;
    if (report === undefined) return;
    this.#report = undefined;
    if (report.timer !== undefined) this.#timers.clearTimeout(report.timer);
    this.#say('what each rank is doing:');
    for (const line of report.round.lines()) this.#say(line);
    for (const waiter of report.waiters) waiter();
  }

  #events(): AgentEvents {
    return {
      started: (rank, pid) => {
        (this.#ranks[rank] as RankState).pid = pid;
      },
      output: (rank, stream, text) => {
        const state = this.#ranks[rank] as RankState;
        (stream === 'stdout' ? state.out : state.err).write(text);
      },
      outputEnded: (rank, stream) => {
        const state = this.#ranks[rank] as RankState;
        (stream === 'stdout' ? state.out : state.err).end();
      },
      control: (rank, message) => this.#onControl(rank, message),
      controlError: (rank, error) => this.#onProtocolError(rank, `rank ${rank} broke the control protocol: ${error.message}`),
      exited: (rank, termination) => this.#onExit(rank, termination),
      agentFailed: (host, reason) => this.#onAgentFailed(host, reason),
    };
  }

  #onAgentFailed(host: string, reason: string): void {
    const lost = this.#ranks.filter((state) => state.agent.host === host && state.termination === undefined);
    if (this.#phase === 'running') {
      this.#say(`lost host ${host}: ${reason}; aborting the job`);
      this.#stop('host-failed');
    }
    for (const state of lost) {
      state.termination = { code: null, signal: null, hostLost: true };
      this.#live--;
    }
    if (this.#live === 0) this.#end();
  }

  #onControl(rank: number, message: RankToLauncher): void {
    const state = this.#ranks[rank] as RankState;
    switch (message.type) {
      case 'hello':
        if (message.protocol !== CONTROL_PROTOCOL_VERSION) {
          const reason = `rank ${rank} speaks tsmpi control protocol ${message.protocol}, this tsmpiexec speaks ${CONTROL_PROTOCOL_VERSION}; use the same tsmpi version for both`;
          state.agent.sendControl(rank, { type: 'refused', reason });
          this.#onProtocolError(rank, reason);
          return;
        }
        if (message.rank !== rank || state.hello !== undefined) {
          this.#onProtocolError(rank, `rank ${rank} introduced itself as rank ${message.rank}${state.hello ? ' a second time' : ''}`);
          return;
        }
        state.hello = message;
        this.#helloCount++;
        this.#checkRendezvous();
        return;
      case 'fatal':
        state.fatal = message;
        return;
      case 'finalized':
        state.finalized = true;
        this.#releaseFinalized();
        return;
      case 'progress':
        this.#plan.progress?.update(message.label, message.done, message.total);
        return;
      case 'clock-ping':
        state.agent.sendControl(rank, { type: 'clock-pong', id: message.id, time: wallClockNow() });
        return;
      case 'call-records':
        this.#plan.recording?.add(rank, message.records);
        return;
      case 'status':
        if (message.id === this.#report?.round.id) this.#report.round.answer(message);
        return;
      default:
        this.#onProtocolError(rank, `rank ${rank} sent an unknown control message ${JSON.stringify((message as { type: string }).type)}`);
    }
  }

  #checkRendezvous(): void {
    if (this.#peersSent) return;
    if (this.#helloCount === this.#ranks.length) {
      this.#peersSent = true;
      const nodeOf = new Map(this.#agents.map((agent, index) => [agent, index]));
      const peers = this.#ranks.map((state) => {
        const hello = state.hello as HelloMessage;
        return { node: nodeOf.get(state.agent) as number, endpoints: hello.endpoints, ...(hello.boardDir === undefined ? {} : { boardDir: hello.boardDir }) };
      });
      const table = { type: 'peers', peers, ...(this.#plan.oversubscribed === true ? { oversubscribed: true } : {}) } as const;
      for (const state of this.#ranks) state.agent.sendControl(state.rank, table);
      return;
    }
    if (this.#helloCount === 0 || this.#phase !== 'running') return;
    const gone = this.#ranks.find((state) => state.termination !== undefined && state.hello === undefined);
    if (gone === undefined) return;
    const waiting = this.#ranks.filter((state) => state.hello !== undefined && state.termination === undefined);
    this.#say(
      `rank ${gone.rank} on ${gone.agent.host} exited without calling init() while ${describeRanks(waiting)} waited for it in init(); aborting the job`,
    );
    this.#stop('init-incomplete');
  }

  /**
   * finalize() returns once every rank has finalized or ended: until then a finalizing rank keeps
   * its sockets open, so that what it sent reaches ranks that are still receiving.
   */
  #releaseFinalized(): void {
    if (!this.#ranks.every((state) => state.finalized || state.termination !== undefined)) return;
    for (const state of this.#ranks) {
      if (!state.finalized || state.released || state.termination !== undefined) continue;
      state.released = true;
      state.agent.sendControl(state.rank, { type: 'released' });
    }
  }

  #onProtocolError(rank: number, reason: string): void {
    if (this.#phase !== 'running') return;
    this.#say(`${reason}; aborting the job`);
    this.#stop('protocol-error');
  }

  #onExit(rank: number, termination: RankTermination): void {
    const state = this.#ranks[rank] as RankState;
    if (state.termination !== undefined) return;
    state.termination = termination;
    this.#live--;
    if (failedOnItsOwn(state, termination) && !this.#reportsResult(state, termination)) {
      const { headline, detail } = describeFailure(state, termination);
      const stopping = this.#phase === 'running' && this.#live > 0;
      this.#say(headline + (stopping ? '; aborting the job' : ''));
      if (detail !== '') this.#emit(this.#plan.stderr, detail);
      this.#stop('rank-failed');
    } else {
      this.#checkRendezvous();
    }
    this.#releaseFinalized();
    if (this.#live === 0) this.#end();
  }

  #onTimeout(): void {
    this.#timeoutHandle = undefined;
    if (this.#phase !== 'running') return;
    this.#say(`the job reached its time limit of ${(this.#plan.timeoutMs as number) / 1000} s (--timeout or MPIEXEC_TIMEOUT); aborting the job`);
    // The ranks are stopped once the report is printed (at most a second later).
    this.#reportStatus(() => this.#stop('timeout'));
  }

  #stop(reason: JobEndReason): void {
    if (this.#phase !== 'running') return;
    this.#phase = 'stopping';
    this.#reason = reason;
    for (const state of this.#ranks) {
      if (state.termination !== undefined) continue;
      state.stoppedByLauncher = true;
      state.agent.signal(state.rank, 'SIGTERM');
    }
    if (this.#live > 0) this.#killHandle = this.#timers.setTimeout(() => this.#killAll(), this.#plan.killGraceMs);
  }

  #killAll(): void {
    for (const state of this.#ranks) {
      if (state.termination !== undefined) continue;
      state.stoppedByLauncher = true;
      state.agent.signal(state.rank, 'SIGKILL');
    }
  }

  #end(): void {
    if (this.#phase === 'ended') return;
    this.#phase = 'ended';
    if (this.#timeoutHandle !== undefined) this.#timers.clearTimeout(this.#timeoutHandle);
    if (this.#killHandle !== undefined) this.#timers.clearTimeout(this.#killHandle);
    // A report still waiting for answers is printed now; its timer must not hold tsmpiexec up.
    this.#printReport();
    for (const agent of this.#agents) agent.close();
    for (const problem of this.#plan.recording?.finish() ?? []) this.#say(problem);
    this.#plan.onEnd?.();
    const ranks = this.#ranks.map((state) => rankExit(state));
    this.#resolve({ exitCode: this.#exitCode(), reason: this.#reason, ranks });
  }

  /** True for rank 0's ordinary exit when its code is the job's result. */
  #reportsResult(state: RankState, termination: RankTermination): boolean {
    return this.#plan.exitCodeFromRank0 === true && state.rank === 0 && termination.signal === null && termination.spawnError === undefined;
  }

  #exitCode(): number {
    switch (this.#reason) {
      case 'success':
        return this.#plan.exitCodeFromRank0 === true ? (this.#ranks[0]?.termination?.code ?? 0) : 0;
      case 'interrupted':
        return exitCodeForSignal(this.#interruptSignal ?? 'SIGTERM');
      case 'timeout':
        return TIMEOUT_EXIT_CODE;
      case 'init-incomplete':
      case 'protocol-error':
      case 'host-failed':
        return 1;
      case 'rank-failed': {
        // The lowest rank among those that failed on their own decides, as documented.
        const first = this.#ranks.find((state) => failedOnItsOwn(state, state.termination as RankTermination) && !this.#reportsResult(state, state.termination as RankTermination));
        const termination = first?.termination;
        if (termination === undefined) return 1;
        if (termination.spawnError !== undefined) return 127;
        if (termination.signal !== null) return exitCodeForSignal(termination.signal);
        return termination.code ?? 1;
      }
    }
  }

  #emit(sink: OutputSink, text: string): boolean {
    // A reader that went away (`tsmpiexec ... | head`) never drains: drop output rather than
    // holding the ranks up forever.
    if (sink.destroyed === true) return true;
    this.#plan.progress?.clear();
    const accepted = sink.write(text);
    this.#plan.progress?.redraw();
    if (!accepted && !this.#blockedSinks.has(sink)) {
      if (this.#blockedSinks.size === 0) for (const agent of this.#agents) agent.setOutputPaused(true);
      this.#blockedSinks.add(sink);
      const release = (): void => {
        sink.removeListener('drain', release);
        sink.removeListener('close', release);
        if (!this.#blockedSinks.delete(sink)) return;
        if (this.#blockedSinks.size === 0) for (const agent of this.#agents) agent.setOutputPaused(false);
      };
      sink.once('drain', release);
      // A reader that goes away while output waits never drains; its end releases the ranks too.
      sink.once('close', release);
    }
    return accepted;
  }

  #say(line: string): void {
    this.#emit(this.#plan.stderr, `tsmpiexec: ${line}\n`);
  }
}

function conditionOf(state: RankState): RankCondition {
  const termination = state.termination;
  if (termination !== undefined) {
    if (termination.hostLost === true) return { kind: 'host-lost' };
    if (termination.spawnError !== undefined) return { kind: 'exited', how: 'could not be started' };
    if (termination.signal !== null) return { kind: 'exited', how: `ended by signal ${termination.signal}` };
    return { kind: 'exited', how: `finished (exit code ${termination.code})` };
  }
  if (state.pid === undefined) return { kind: 'not-started' };
  return state.hello === undefined ? { kind: 'before-init' } : { kind: 'asked' };
}

function failedOnItsOwn(state: RankState, termination: RankTermination | undefined): boolean {
  if (termination === undefined || termination.hostLost === true) return false;
  if (termination.spawnError !== undefined) return true;
  if (termination.signal !== null) {
    // A rank that died of the very signal tsmpiexec sent it was stopped, not failed.
    return !(state.stoppedByLauncher && (termination.signal === 'SIGTERM' || termination.signal === 'SIGKILL'));
  }
  return termination.code !== 0;
}

/** One line naming the rank, its host and the cause; then the stack of an exception, if any. */
function describeFailure(state: RankState, termination: RankTermination): { headline: string; detail: string } {
  const who = `rank ${state.rank} on ${state.agent.host}${state.pid === undefined ? '' : ` (pid ${state.pid})`}`;
  if (termination.spawnError !== undefined) {
    return { headline: `${who} could not be started: ${termination.spawnError.message}`, detail: '' };
  }
  if (state.fatal !== undefined) {
    const what = state.fatal.origin === 'unhandledRejection' ? 'an unhandled rejection' : 'an uncaught exception';
    const stackLines = state.fatal.stack.split('\n');
    const rest = stackLines[0] === state.fatal.summary ? stackLines.slice(1) : stackLines;
    return {
      headline: `${who} failed with ${what}: ${state.fatal.summary}`,
      detail: rest.length > 0 ? `${rest.join('\n')}\n` : '',
    };
  }
  if (termination.signal !== null) return { headline: `${who} was killed by signal ${termination.signal}`, detail: '' };
  return { headline: `${who} exited with code ${termination.code}`, detail: '' };
}

function describeRanks(ranks: readonly RankState[]): string {
  if (ranks.length === 1) return `rank ${(ranks[0] as RankState).rank}`;
  return `ranks ${ranks.map((state) => state.rank).join(', ')}`;
}

function rankExit(state: RankState): RankExit {
  const termination = state.termination as RankTermination;
  return {
    rank: state.rank,
    host: state.agent.host,
    pid: state.pid,
    code: termination.code,
    signal: termination.signal,
    stoppedByLauncher: state.stoppedByLauncher,
    ...(state.fatal === undefined ? {} : { error: state.fatal.summary }),
  };
}

