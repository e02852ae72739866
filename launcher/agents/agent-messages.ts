/**
 * The messages between tsmpiexec and the node agent it starts on each remote host (over the
 * stdin/stdout of ssh, srun or another launch command), one JSON document per line. The agent
 * starts its node's ranks with a LocalAgent and relays what happens to them.
 */
import type { LauncherToRank, RankToLauncher } from '../../src/protocol/control-messages.js';
import type { RankSpec } from './launch-agent.js';
import type { JobCredentials } from '../../src/transport/job-secret.js';

/** Start these ranks. */
export interface AgentStart {
  readonly type: 'start';
  /** The host's name as the job knows it. */
  readonly host: string;
  readonly graceSeconds: number;
  /** How ranks choose their tcp address: an interface or CIDR, 'default', or null for no tcp. */
  readonly iface: string | null;
  /** The job's credentials, for the ranks' control channels (this link is the agent's stdin). */
  readonly credentials: JobCredentials;
  readonly ranks: readonly RankSpec[];
  /**
   * The heartbeat's silence bound: both sides beat every fifth of it, and the agent stops its
   * ranks and exits when nothing has come from tsmpiexec for this long (see heartbeat.ts).
   */
  readonly heartbeatTimeoutMs: number;
}

/** A sign of life, sent both ways at the heartbeat interval; carries nothing. */
export interface HeartbeatMessage {
  readonly type: 'heartbeat';
}

/** What tsmpiexec sends a node agent. */
export type ToAgent =
  | AgentStart
  | { readonly type: 'control'; readonly rank: number; readonly message: LauncherToRank }
  | { readonly type: 'signal'; readonly rank: number; readonly signal: NodeJS.Signals }
  | { readonly type: 'pause'; readonly paused: boolean }
  /** Standard input for a rank started with stdin 'pipe' (base64), or its end (data null). */
  | { readonly type: 'stdin'; readonly rank: number; readonly data: string | null }
  | { readonly type: 'close' }
  | HeartbeatMessage;

/** What a node agent sends tsmpiexec. */
export type FromAgent =
  | { readonly type: 'ready'; readonly hostname: string; readonly pid: number; readonly tcpAddress: string | null }
  | { readonly type: 'started'; readonly rank: number; readonly pid: number }
  | { readonly type: 'output'; readonly rank: number; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  | { readonly type: 'output-ended'; readonly rank: number; readonly stream: 'stdout' | 'stderr' }
  | { readonly type: 'control'; readonly rank: number; readonly message: RankToLauncher }
  | { readonly type: 'control-error'; readonly rank: number; readonly error: string }
  | { readonly type: 'exited'; readonly rank: number; readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly spawnError?: string }
  | { readonly type: 'failed'; readonly error: string }
  | HeartbeatMessage;
