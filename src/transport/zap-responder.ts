/**
 * The ZAP handler (ZeroMQ RFC 27) of a rank, on the rank's own thread. libzmq asks it, over
 * inproc://zeromq.zap.01 in the process's ZeroMQ context, whether each connection that completed
 * the PLAIN or CURVE greeting may go on; it answers 200 only for the job's own credentials. Until
 * it answers, the connection carries no message, so nothing from a refused peer ever reaches the
 * rank.
 *
 * Only the binding side of a connection asks, and a rank's inbound socket matters only while the
 * rank reads it, so the transport answers requests exactly when it reads (it calls
 * {@link ZapResponder.answerWhile} beside its own reader, and {@link ZapResponder.answerPending}
 * in a poll). That keeps the handler off the event loop when the rank waits for nothing, so a
 * program can end without finalize(), and costs no thread: a worker thread would cost every rank
 * about 12 MB and a tenth of a second at start.
 */
import { timingSafeEqual } from 'node:crypto';
import { Router } from 'zeromq';
import { TsmpiError } from '../errors.js';
import { z85Decode } from './curve-keys.js';
import { PLAIN_USERNAME, ZAP_DOMAIN, type JobKeys } from './job-secret.js';
// The ZAP handler reads like the transport's reader, and stops when idle alike.
import { IDLE_RECEIVE_TIMEOUT_MS } from './zmq-transport.js';

const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

/** Answers the ZAP requests of this process's sockets with the job's credentials. */
export class ZapResponder {
  readonly #router: Router;
  readonly #describe: string;
  readonly #plainUsername = Buffer.from(PLAIN_USERNAME);
  readonly #plainPassword: Buffer;
  readonly #curveClientKey: Buffer;
  readonly #warned = new Set<string>();
  #reading = false;

  private constructor(router: Router, keys: JobKeys, describe: string) {
    this.#router = router;
    this.#describe = describe;
    this.#plainPassword = Buffer.from(keys.plainPassword);
    this.#curveClientKey = Buffer.from(z85Decode(keys.curveClient.publicKey));
  }

  /**
   * Binds the handler; must complete before a socket that authenticates is bound (without a
   * handler, libzmq refuses PLAIN and, with zapEnforceDomain, CURVE).
   * @param describe - names this process in warnings, e.g. "rank 2"
   * @throws TsmpiError ERR_JOB when the handler cannot bind (another ZAP handler in this process)
   */
  static async bind(keys: JobKeys, describe: string): Promise<ZapResponder> {
    const router = new Router({ linger: 0, receiveTimeout: IDLE_RECEIVE_TIMEOUT_MS });
    try {
      await router.bind(ZAP_ENDPOINT);
    } catch (error) {
      router.close();
      throw new TsmpiError('ERR_JOB', `${describe} cannot authenticate its connections: its ZAP handler could not start (${(error as Error).message})`, {
        cause: error,
      });
    }
    return new ZapResponder(router, keys, describe);
  }

  /**
   * Answers requests as they come while `wanted()` holds (the transport's reading condition).
   * Called for every posted receive, so it starts nothing (no promise) when already answering.
   */
  answerWhile(wanted: () => boolean): void {
    if (!this.#reading) void this.#answerWhileWanted(wanted);
  }

  async #answerWhileWanted(wanted: () => boolean): Promise<void> {
    this.#reading = true;
    try {
      while (!this.#router.closed && wanted()) {
        let frames: Buffer[];
        try {
          frames = await this.#router.receive();
        } catch (error) {
          if ((error as { code?: string }).code === 'EAGAIN') continue;
          if (this.#router.closed) return;
          throw error;
        }
        await this.#answer(frames);
      }
    } finally {
      this.#reading = false;
    }
  }

  /** Answers every request already waiting, without waiting for more. */
  async answerPending(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      while (!this.#router.closed && (this.#router as unknown as { readable: boolean }).readable) {
        await this.#answer(await this.#router.receive());
      }
    } finally {
      this.#reading = false;
    }
  }

  /** Stops answering; connections not yet answered are never accepted. */
  close(): void {
    this.#router.close();
  }

  async #answer(frames: Buffer[]): Promise<void> {
    // [peer routing id, empty delimiter, version, request id, domain, address, identity, mechanism, credentials...]
    const [peer, delimiter, version, requestId, domain, address, , mechanism, ...credentials] = frames;
    if (peer === undefined || delimiter === undefined || requestId === undefined) return;
    const why = version?.toString() !== '1.0' ? 'not a ZAP 1.0 request' : this.#refusal(String(domain), String(mechanism), credentials);
    if (why !== undefined) this.#warnOnce(String(address), String(mechanism), why);
    if (this.#router.closed) return;
    await this.#router.send([peer, delimiter, '1.0', requestId, why === undefined ? '200' : '400', why ?? 'OK', why === undefined ? 'rank' : '', '']);
  }

  /** Why a request is refused, or undefined when it carries the job's credentials. */
  #refusal(domain: string, mechanism: string, credentials: Buffer[]): string | undefined {
    if (domain !== ZAP_DOMAIN) return `ZAP domain ${JSON.stringify(domain)} is not tsmpi's`;
    if (mechanism === 'PLAIN') {
      return equalSecret(credentials[0], this.#plainUsername) && equalSecret(credentials[1], this.#plainPassword) ? undefined : 'wrong PLAIN credentials';
    }
    if (mechanism === 'CURVE') return equalSecret(credentials[0], this.#curveClientKey) ? undefined : 'unknown CURVE client key';
    return `mechanism ${mechanism} is not accepted`;
  }

  #warnOnce(address: string, mechanism: string, reason: string): void {
    // Once per address: a prober must not be able to flood the job's output.
    const key = `${address}/${mechanism}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    process.emitWarning(
      `tsmpi: ${this.#describe} refused a connection from ${address || 'a local socket'} (${reason}); ` +
        'it is not part of this job (further refusals from there are not reported)',
    );
  }
}

function equalSecret(given: Buffer | undefined, expected: Buffer): boolean {
  return given !== undefined && given.byteLength === expected.byteLength && timingSafeEqual(given, expected);
}
