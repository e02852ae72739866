/**
 * The security options of tsmpi's sockets, set before each bind and connect (libzmq copies them
 * into a listener at bind time and into a connection at connect time). Inbound sockets serve PLAIN,
 * or CURVE on tcp with --encrypt, and ask the ZAP handler (zap-responder.ts) about every peer;
 * outbound sockets present the job's credentials the same way.
 */
import type { Pull, Push } from 'zeromq';
import { PLAIN_USERNAME, ZAP_DOMAIN, type JobKeys } from './job-secret.js';

/** Whether a connection to or from `endpoint` is encrypted under `keys`. */
function isEncrypted(keys: JobKeys, endpoint: string): boolean {
  // Local ipc never leaves the machine and its socket files sit in a directory only the user can
  // open; encrypting it would cost every local message and protect against nobody but root.
  return keys.encrypt && endpoint.startsWith('tcp://');
}

/** Prepares `socket` to accept only the job's peers on `endpoint`, which it binds next. */
export function secureInbound(socket: Pull, keys: JobKeys, endpoint: string): void {
  withoutNextBindWarning(() => {
    socket.zapDomain = ZAP_DOMAIN;
    // Without a ZAP handler (should the rank's ever be gone), refuse every peer: libzmq's default
    // would let any CURVE client in.
    socket.zapEnforceDomain = true;
    if (isEncrypted(keys, endpoint)) {
      socket.curveServer = true;
      socket.curveSecretKey = keys.curveServer.secretKey;
    } else {
      socket.plainServer = true;
    }
  });
}

const NEXT_BIND_WARNING = 'Socket option will not take effect until next connect/bind.';

/**
 * Runs `set` without zeromq.js's warning that options set on a bound socket only apply to its
 * next bind: a socket bound to ipc and then to tcp sets them between the binds on purpose.
 */
function withoutNextBindWarning(set: () => void): void {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (warning !== NEXT_BIND_WARNING) (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    set();
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Gives `socket` the job's credentials for `endpoint`, which it connects to next. */
export function secureOutbound(socket: Push, keys: JobKeys, endpoint: string): void {
  if (isEncrypted(keys, endpoint)) {
    socket.curveServerKey = keys.curveServer.publicKey;
    socket.curvePublicKey = keys.curveClient.publicKey;
    socket.curveSecretKey = keys.curveClient.secretKey;
  } else {
    socket.plainUsername = PLAIN_USERNAME;
    socket.plainPassword = keys.plainPassword;
  }
}
