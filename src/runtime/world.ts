/**
 * init() and finalize(): the life of the library in one process. Under tsmpiexec, init() binds
 * this rank's inbound socket, tells the launcher where it is, and waits for the table of every
 * rank; run on its own, the process is a job of one rank and no socket is opened.
 */
import { TsmpiError } from '../errors.js';
import type { Comm } from '../comm/communicator.js';
import { Messenger } from '../comm/messenger.js';
import { LoopbackTransport } from '../transport/loopback-transport.js';
import { readJobEnvironment } from './job-environment.js';
import { beforeRankDeath, installRankGuard } from './rank-guard.js';
import type { ControlChannel } from './control-channel.js';
import { joinJob, worldComm, type JoinedRank } from './join-job.js';
import { ArgsShape, beginCall, endCall } from '../observe/call-tracker.js';
import { flushRecords, recordingRequested, startRecording } from '../observe/call-recorder.js';
import { statusAnswer } from '../observe/status-answer.js';

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
 * Closes every socket so the process can exit on its own. Under tsmpiexec it first waits until
 * every rank has called finalize() or ended, so that messages already sent are delivered to ranks
 * still receiving them; then pending receives fail with ERR_FINALIZED. Calling it again does
 * nothing.
 * @throws TsmpiError ERR_COLLECTIVE_MISMATCH when another rank made a collective call this rank
 *   did not make (its message was never received)
 */
export async function finalize(): Promise<void> {
  if (finalized) return;
  finalized = true;
  if (starting === undefined) return;
  const running = await starting;
  // finalize() is a call like the others: a rank waiting here for the rest of the job says so.
  const finalizeCall = beginCall('finalize', '', ArgsShape.None);
  let mismatches: string[];
  try {
    mismatches = await running.messenger.collectiveLeftovers();
    if (running.channel !== undefined) {
      running.channel.send({ type: 'finalized', rank: running.messenger.worldRank });
      await releasedByLauncher(running.channel);
    }
  } finally {
    endCall(finalizeCall);
  }
  running.messenger.close(new TsmpiError('ERR_FINALIZED', 'the operation was cancelled by finalize()'));
  flushRecords();
  if (mismatches.length > 0) {
    const more = mismatches.length > 1 ? ` (and ${mismatches.length - 1} more unreceived collective messages)` : '';
    throw new TsmpiError('ERR_COLLECTIVE_MISMATCH', `${mismatches[0] as string}${more}`);
  }
}

/**
 * Waits until tsmpiexec says that every rank has finalized or ended. Until then the sockets stay
 * open: a slow receiver still gets everything this rank sent, even long after it was sent.
 */
async function releasedByLauncher(channel: ControlChannel): Promise<void> {
  try {
    while ((await channel.next()).type !== 'released');
  } catch {
    // The launcher is gone: the rank guard ends the process; nothing is left to wait for.
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
  const channel = installRankGuard(job);
  channel.onStatusRequest((request) => channel.send(statusAnswer(job.rank, request, finalized)));
  // init() is a call like the others: a rank waiting here for the rest of the job says so.
  const initCall = beginCall('init', '', ArgsShape.None);
  let joined: JoinedRank;
  try {
    joined = await joinJob(channel, job);
    // After joining: the job's credentials come first on the channel. Before init() ends, so
    // that init itself is recorded.
    if (recordingRequested()) await startRecording(channel, job.rank);
  } finally {
    endCall(initCall);
  }
  beforeRankDeath(() => joined.transport.abandon());
  return { world: joined.world, messenger: joined.messenger, channel };
}
