/**
 * Messages from library code to tsmpiexec that are not part of starting or ending a rank (today:
 * progress). Nothing is sent when the process was not started by tsmpiexec.
 */
import type { RankToLauncher } from '../protocol/control-messages.js';
import { readJobEnvironment } from './job-environment.js';
import { ControlChannel } from './control-channel.js';

let channel: ControlChannel | null | undefined;

/** Sends `message` to tsmpiexec; returns false when there is no tsmpiexec to send to. */
export function sendToLauncher(message: RankToLauncher): boolean {
  if (channel === undefined) {
    const job = readJobEnvironment();
    channel = job === undefined ? null : ControlChannel.open(job.controlFd);
  }
  if (channel === null) return false;
  channel.send(message);
  return true;
}
