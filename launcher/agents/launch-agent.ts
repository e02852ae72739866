/**
 * The interface between the job supervisor and whatever starts ranks on one node: in-process for
 * this machine today, an agent reached over ssh or srun for other nodes.
 */
import type { LauncherToRank, RankToLauncher } from '../../src/protocol/control-messages.js';

/** One rank to start. */
export interface RankSpec {
  readonly rank: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /**
   * The rank's own variables (identity, -x); the agent adds them to its node's environment and
   * adds the node's own (job directory, address).
   */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Rank 0 reads tsmpiexec's standard input: inherited on this machine, or through a pipe that
   * {@link LaunchAgent.writeStdin} feeds on another host; every other rank reads nothing.
   */
  readonly stdin: 'inherit' | 'pipe' | 'ignore';
}

/** How a rank process ended. */
export interface RankTermination {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  readonly spawnError?: Error;
  /** Set when the rank's host was lost: how the rank ended is unknown. */
  readonly hostLost?: boolean;
}

/** What an agent reports about its ranks. */
export interface AgentEvents {
  /** The rank's process is running. */
  started(rank: number, pid: number): void;
  /** A piece of the rank's standard output or error. */
  output(rank: number, stream: 'stdout' | 'stderr', text: string): void;
  /** The rank's output has ended (called once per stream, before `exited`). */
  outputEnded(rank: number, stream: 'stdout' | 'stderr'): void;
  /** A control message from the rank. */
  control(rank: number, message: RankToLauncher): void;
  /** The rank spoke on its control channel in a way that is not the protocol. */
  controlError(rank: number, error: Error): void;
  /** The rank's process has ended and all its output has been reported. */
  exited(rank: number, termination: RankTermination): void;
  /**
   * The agent itself failed or could not be reached (its ranks' fate is unknown): the host is
   * lost to the job. No event about its ranks follows.
   */
  agentFailed(host: string, reason: string): void;
}

/** Starts and controls the ranks of one node. */
export interface LaunchAgent {
  /** The node's name, as messages to the user show it. */
  readonly host: string;
  /** Starts `ranks` and reports on them through `events`. */
  start(ranks: readonly RankSpec[], events: AgentEvents): void;
  /** Sends a control message to a rank. */
  sendControl(rank: number, message: LauncherToRank): void;
  /** Sends `signal` to a rank and everything it started. */
  signal(rank: number, signal: NodeJS.Signals): void;
  /** Writes to the standard input of a rank started with stdin 'pipe'; null ends it. */
  writeStdin(rank: number, data: Buffer | null): void;
  /** Pauses or resumes reading the ranks' output (backpressure from tsmpiexec's own output). */
  setOutputPaused(paused: boolean): void;
  /** The job is over: release what the agent holds. */
  close(): void;
}
