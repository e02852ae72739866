/**
 * Joining a job: bind this rank's inbound socket, tell the launcher where it is, and wait for
 * the table of every rank. The launcher is reached through a link: the control channel of a rank
 * tsmpiexec started, or an in-process link for a program that is itself rank 0 of a job it
 * started (createPool).
 */
import { join } from 'node:path';
import { TsmpiError } from '../errors.js';
import { Comm } from '../comm/communicator.js';
import { Messenger } from '../comm/messenger.js';
import { CONTROL_PROTOCOL_VERSION, type LauncherToRank, type RankToLauncher } from '../protocol/control-messages.js';
import type { ZmqTransport } from '../transport/zmq-transport.js';
import { deriveJobKeys, isJobCredentials } from '../transport/job-secret.js';
import { SHARED_MEMORY_SWITCH } from './job-environment.js';
import { boardSpinMicros, boardSpinSetting } from '../collectives/board-spin.js';

/** The rank's way to the launcher side. */
export interface LauncherLink {
  send(message: RankToLauncher): void;
  next(): Promise<LauncherToRank>;
}

/** Who the rank is and where it listens. */
export interface RankPlace {
  readonly rank: number;
  readonly size: number;
  /** Directory for an ipc endpoint (ranks on the same node), if any. */
  readonly jobDir?: string | undefined;
  /** Address for a tcp endpoint (ranks on other nodes), if any. */
  readonly tcpAddress?: string | undefined;
}

/** A rank that has joined its job. */
export interface JoinedRank {
  readonly world: Comm;
  readonly messenger: Messenger;
  readonly transport: ZmqTransport;
}

/** Context ids of COMM_WORLD's point-to-point and collective traffic. */
const WORLD_POINT_TO_POINT_CONTEXT = 0;
const WORLD_COLLECTIVE_CONTEXT = 1;

/**
 * Joins the job: resolves with COMM_WORLD once every rank has said hello.
 * @throws TsmpiError ERR_JOB when the launcher refuses the rank or answers nonsense
 */
export async function joinJob(link: LauncherLink, place: RankPlace): Promise<JoinedRank> {
  // The launcher side sends the job's credentials first; every connection must present them.
  const credentials = await link.next();
  if (credentials.type !== 'credentials') {
    const what = credentials.type === 'refused' ? `refused it: ${credentials.reason}` : `sent ${credentials.type} instead of the job's credentials`;
    throw new TsmpiError('ERR_JOB', `the launcher ${what} (is tsmpiexec the same tsmpi version as rank ${place.rank}?)`);
  }
  // The message has the right type but may still not hold a well-formed secret (it arrives as JSON).
  if (!isJobCredentials(credentials)) {
    throw new TsmpiError('ERR_JOB', `the launcher sent malformed credentials (is tsmpiexec the same tsmpi version as rank ${place.rank}?)`);
  }
  const security = deriveJobKeys(credentials);
  // Loaded only here, so a job of one rank never pays for the native module. The ZAP handler
  // must be bound before anything that authenticates is.
  const [{ ZmqTransport }, { ZapResponder }] = await Promise.all([import('../transport/zmq-transport.js'), import('../transport/zap-responder.js')]);
  const zap = await ZapResponder.bind(security, `rank ${place.rank}`);
  let transport!: ZmqTransport;
  let messenger: Messenger;
  try {
    messenger = await Messenger.create(place.rank, async (sink, wanted) => {
      transport = await ZmqTransport.bind({
        rank: place.rank,
        ipcPath: place.jobDir === undefined ? undefined : join(place.jobDir, `${place.rank}.sock`),
        tcpAddress: place.tcpAddress,
        security: { keys: security, zap },
        sink,
        wanted,
      });
      return transport;
    });
  } catch (error) {
    zap.close();
    throw error;
  }
  const boardDir = boardDirOf(place);
  // Read before joining, so that a bad setting fails every rank alike at once.
  const spinSetting = boardSpinSetting();
  link.send({
    type: 'hello',
    protocol: CONTROL_PROTOCOL_VERSION,
    rank: place.rank,
    pid: process.pid,
    endpoints: transport.endpoints,
    ...(boardDir === undefined ? {} : { boardDir }),
  });
  const reply = await link.next();
  if (reply.type === 'refused') {
    transport.close();
    throw new TsmpiError('ERR_JOB', `the launcher refused rank ${place.rank}: ${reply.reason}`);
  }
  if (reply.type !== 'peers') {
    transport.close();
    throw new TsmpiError('ERR_JOB', `the launcher sent ${reply.type} where rank ${place.rank} expected the table of peers`);
  }
  if (reply.peers.length !== place.size) {
    transport.close();
    throw new TsmpiError('ERR_JOB', `the launcher sent ${reply.peers.length} peers for a job of ${place.size} ranks`);
  }
  transport.setPeers(reply.peers);
  const boardDirs = reply.peers.map((peer) => peer.boardDir);
  const oversubscribed = reply.oversubscribed === true;
  // Without a board directory this rank opens no board, so how long it would poll one is moot.
  const spin = boardDir === undefined ? 0 : boardSpinMicros(spinSetting, boardDirs.filter((dir) => dir === boardDir).length, oversubscribed);
  messenger.learnPlacement({ oversubscribed, boardDirs, boardSpinMicros: spin });
  return { world: worldComm(messenger, place.rank, place.size), messenger, transport };
}

/**
 * Where this rank's communicators keep their boards in shared memory (node-board.ts): the node's
 * job directory, on Linux (boards wake waiting ranks with inotify), unless
 * TSMPI_SHARED_MEMORY=off keeps every collective on messages.
 */
function boardDirOf(place: RankPlace, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (place.jobDir === undefined || process.platform !== 'linux' || env[SHARED_MEMORY_SWITCH] === 'off') return undefined;
  return place.jobDir;
}

/** COMM_WORLD of a job of `size` ranks. */
export function worldComm(messenger: Messenger, rank: number, size: number): Comm {
  return new Comm(messenger, {
    worldRanks: Array.from({ length: size }, (_, i) => i),
    rank,
    pointToPointContext: WORLD_POINT_TO_POINT_CONTEXT,
    collectiveContext: WORLD_COLLECTIVE_CONTEXT,
    name: 'COMM_WORLD',
  });
}
