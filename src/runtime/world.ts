/**
 * init() and finalize(): the life of the library in one process. Under tsmpiexec, init() binds
 * this rank's inbound socket, tells the launcher where it is, and waits for the table of every
 * rank; run on its own, the process is a job of one rank and no socket is opened.
 */
import { join } from 'node:path';
import { TsmpiError } from '../errors.js';
import { Comm } from '../comm/communicator.js';
import { Messenger } from '../comm/messenger.js';
import { CONTROL_PROTOCOL_VERSION } from '../protocol/control-messages.js';
import { LoopbackTransport } from '../transport/loopback-transport.js';
import { readJobEnvironment, type JobEnvironment } from './job-environment.js';
import { beforeRankDeath, installRankGuard } from './rank-guard.js';
import type { ControlChannel } from './control-channel.js';
import type { ZmqTransport as ZmqTransportType } from '../transport/zmq-transport.js';

/** Context ids of COMM_WORLD's point-to-point and collective traffic. */
const WORLD_POINT_TO_POINT_CONTEXT = 0;
const WORLD_COLLECTIVE_CONTEXT = 1;

interface Running {
  readonly world: Comm;
  readonly messenger: Messenger;
  readonly channel: ControlChannel | undefined;
}

let starting: Promise<Running> | undefined;
let started = false;
let finalized = false;

/**
 * Starts the library in this process and resolves to COMM_WORLD. Calling it again returns the same
 * communicator.
 * @throws TsmpiError ERR_FINALIZED after finalize(); ERR_JOB when the launcher refuses the rank
 */
export async function init(): Promise<Comm> {
  if (finalized) throw new TsmpiError('ERR_FINALIZED', 'init() was called after finalize()');
  starting ??= start();
  const running = await starting;
  started = true;
  return running.world;
}

/**
 * Closes every socket so the process can exit on its own. Messages already sent are still
 * delivered; pending receives fail with ERR_FINALIZED. Calling it again does nothing.
 * @throws TsmpiError ERR_COLLECTIVE_MISMATCH when another rank made a collective call this rank
 *   did not make (its message was never received)
 */
export async function finalize(): Promise<void> {
  if (finalized) return;
  finalized = true;
  if (starting === undefined) return;
  const running = await starting;
  const mismatches = await running.messenger.collectiveLeftovers();
  running.messenger.close(new TsmpiError('ERR_FINALIZED', 'the operation was cancelled by finalize()'));
  running.channel?.send({ type: 'finalized', rank: running.messenger.worldRank });
  if (mismatches.length > 0) {
    const more = mismatches.length > 1 ? ` (and ${mismatches.length - 1} more unreceived collective messages)` : '';
    throw new TsmpiError('ERR_COLLECTIVE_MISMATCH', `${mismatches[0] as string}${more}`);
  }
}

/** True between a completed init() and finalize(). */
export function isInitialized(): boolean {
  return started && !finalized;
}

/** True once finalize() has been called. */
export function isFinalized(): boolean {
  return finalized;
}

async function start(): Promise<Running> {
  const job = readJobEnvironment();
  if (job === undefined) {
    const messenger = await Messenger.create(0, async (sink) => new LoopbackTransport(sink));
    return { world: worldComm(messenger, 0, 1), messenger, channel: undefined };
  }
  return startUnderLauncher(job);
}

async function startUnderLauncher(job: JobEnvironment): Promise<Running> {
  const channel = installRankGuard(job);
  // Loaded only here, so a job of one rank never pays for the native module.
  const { ZmqTransport } = await import('../transport/zmq-transport.js');
  let transport!: ZmqTransportType;
  const messenger = await Messenger.create(job.rank, async (sink, wanted) => {
    transport = await ZmqTransport.bind({
      rank: job.rank,
      ipcPath: job.jobDir === undefined ? undefined : join(job.jobDir, `${job.rank}.sock`),
      tcpAddress: job.tcpAddress,
      sink,
      wanted,
    });
    return transport;
  });
  beforeRankDeath(() => transport.abandon());

  channel.send({
    type: 'hello',
    protocol: CONTROL_PROTOCOL_VERSION,
    rank: job.rank,
    pid: process.pid,
    endpoints: transport.endpoints,
  });
  const reply = await channel.next();
  if (reply.type === 'refused') {
    transport.close();
    throw new TsmpiError('ERR_JOB', `tsmpiexec refused rank ${job.rank}: ${reply.reason}`);
  }
  if (reply.peers.length !== job.size) {
    transport.close();
    throw new TsmpiError('ERR_JOB', `tsmpiexec sent ${reply.peers.length} peers for a job of ${job.size} ranks`);
  }
  transport.setPeers(reply.peers);
  return { world: worldComm(messenger, job.rank, job.size), messenger, channel };
}

function worldComm(messenger: Messenger, rank: number, size: number): Comm {
  return new Comm(messenger, {
    worldRanks: Array.from({ length: size }, (_, i) => i),
    rank,
    pointToPointContext: WORLD_POINT_TO_POINT_CONTEXT,
    collectiveContext: WORLD_COLLECTIVE_CONTEXT,
    name: 'COMM_WORLD',
  });
}
