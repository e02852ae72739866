/**
 * The ZAP handler (ZeroMQ RFC 27) of one rank, run in a worker thread by zap-authenticator.ts.
 * libzmq asks it, over inproc://zeromq.zap.01 in the process's ZeroMQ context, whether each
 * connection that completed the PLAIN or CURVE greeting may go on; it answers 200 only for the
 * job's own credentials. Until it answers, the connection carries no message, so nothing from a
 * refused peer ever reaches the rank.
 *
 * It runs in a thread of its own for two reasons: a pending receive keeps a Node event loop alive,
 * and a rank must be able to exit without finalize(), which an unref'd worker allows; and it keeps
 * answering while the rank's main thread computes.
 */
import { timingSafeEqual } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { Router } from 'zeromq';
import { z85Decode } from './curve-keys.js';

/** What the authenticator hands the worker. */
export interface ZapWorkerData {
  readonly domain: string;
  readonly plainUsername: string;
  readonly plainPassword: string;
  /** The job's CURVE client public key (Z85). */
  readonly curveClientPublicKey: string;
  /** One Int32 the worker sets to 1 once its socket is closed (the rank waits for it at exit). */
  readonly closed: SharedArrayBuffer;
}

/** What the worker tells the rank. */
export type ZapWorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'bind-failed'; readonly error: string }
  | { readonly type: 'refused'; readonly address: string; readonly mechanism: string; readonly reason: string };

const data = workerData as ZapWorkerData;
const port = parentPort as NonNullable<typeof parentPort>;
const closed = new Int32Array(data.closed);
const plainUsername = Buffer.from(data.plainUsername);
const plainPassword = Buffer.from(data.plainPassword);
const curveClientKey = z85Decode(data.curveClientPublicKey);

function equalSecret(given: Buffer | undefined, expected: Buffer): boolean {
  return given !== undefined && given.byteLength === expected.byteLength && timingSafeEqual(given, expected);
}

/** Why a request is refused, or undefined when it carries the job's credentials. */
function refusal(domain: string, mechanism: string, credentials: Buffer[]): string | undefined {
  if (domain !== data.domain) return `ZAP domain ${JSON.stringify(domain)} is not tsmpi's`;
  if (mechanism === 'PLAIN') {
    return equalSecret(credentials[0], plainUsername) && equalSecret(credentials[1], plainPassword) ? undefined : 'wrong PLAIN credentials';
  }
  if (mechanism === 'CURVE') return equalSecret(credentials[0], curveClientKey) ? undefined : 'unknown CURVE client key';
  return `mechanism ${mechanism} is not accepted`;
}

const router = new Router({ linger: 0 });
const close = (): void => {
  router.close();
  port.close();
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
};
port.on('message', (message: unknown) => {
  if (message === 'close') close();
});

try {
  await router.bind('inproc://zeromq.zap.01');
} catch (error) {
  port.postMessage({ type: 'bind-failed', error: (error as Error).message } satisfies ZapWorkerMessage);
  close();
}
if (!router.closed) {
  port.postMessage({ type: 'ready' } satisfies ZapWorkerMessage);
  try {
    for await (const frames of router) {
      // [peer routing id, empty delimiter, version, request id, domain, address, identity, mechanism, credentials...]
      const [peer, delimiter, version, requestId, domain, address, , mechanism, ...credentials] = frames;
      if (peer === undefined || delimiter === undefined || requestId === undefined) continue;
      const why = version?.toString() !== '1.0' ? 'not a ZAP 1.0 request' : refusal(String(domain), String(mechanism), credentials);
      if (why !== undefined) {
        port.postMessage({ type: 'refused', address: String(address), mechanism: String(mechanism), reason: why } satisfies ZapWorkerMessage);
      }
      await router.send([peer, delimiter, '1.0', requestId, why === undefined ? '200' : '400', why ?? 'OK', why === undefined ? 'rank' : '', '']);
    }
  } catch (error) {
    // Closing the socket ends the loop; anything else is a real failure of the handler.
    if (!router.closed) throw error;
  }
}
