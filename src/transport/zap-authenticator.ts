/**
 * Starts this process's ZAP handler (zap-handler-worker.ts) once and keeps it for the life of the
 * process: ZeroMQ has one handler per context, and tsmpi's sockets all live in the global one.
 * The worker is unref'd so it never keeps a finished rank alive. Before the process exits the worker
 * closes its socket (a worker torn down in the middle of a receive aborts the process): a rank that
 * ends on its own waits for the worker to end; one that calls process.exit() waits (a few
 * milliseconds) for the socket to be closed.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TsmpiError } from '../errors.js';
import { PLAIN_USERNAME, ZAP_DOMAIN, type JobKeys } from './job-secret.js';
import type { ZapWorkerData, ZapWorkerMessage } from './zap-handler-worker.js';

const GLOBAL_KEY = Symbol.for('tsmpi.zapAuthenticator');
// Bounds the wait at exit should the worker be stuck; it normally answers within a millisecond.
const CLOSE_WAIT_MS = 2000;

/**
 * Makes sure the ZAP handler of this process runs with `keys`, and resolves once it answers.
 * Must complete before a socket that authenticates is bound: without a handler libzmq refuses
 * PLAIN and lets any CURVE client in.
 * @param describe - names this process in warnings, e.g. "rank 2"
 * @throws TsmpiError ERR_JOB when the handler cannot start (another ZAP handler in this process)
 */
export function startZapAuthenticator(keys: JobKeys, describe: string): Promise<void> {
  const slot = globalThis as { [GLOBAL_KEY]?: Promise<void> };
  slot[GLOBAL_KEY] ??= start(keys, describe);
  return slot[GLOBAL_KEY];
}

/** The worker's entry: the built .js, or, when running from the sources, a loader for the .ts. */
function workerEntry(): { entry: URL | string; eval: boolean } {
  const built = new URL('./zap-handler-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return { entry: built, eval: false };
  // Running from the TypeScript sources (tests, development): tsx's hooks do not reach workers
  // by themselves, so the worker registers them before importing the .ts.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const source = new URL('./zap-handler-worker.ts', import.meta.url).href;
  return { entry: `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`, eval: true };
}

function start(keys: JobKeys, describe: string): Promise<void> {
  const closed = new SharedArrayBuffer(4);
  const workerData: ZapWorkerData = {
    domain: ZAP_DOMAIN,
    plainUsername: PLAIN_USERNAME,
    plainPassword: keys.plainPassword,
    curveClientPublicKey: keys.curveClient.publicKey,
    closed,
  };
  const { entry, eval: isSource } = workerEntry();
  // execArgv is empty so that the rank's own preloads (the rank guard) stay out of the worker.
  const worker = new Worker(entry, { eval: isSource, workerData, execArgv: [] });
  const warned = new Set<string>();
  let closing = false;
  let running = false;
  let exited = false;
  worker.once('exit', () => (exited = true));
  // A rank that ends on its own (its event loop is empty) lets the worker finish completely
  // before the process exits: nothing of the worker is torn down by the exit itself.
  process.on('beforeExit', () => {
    if (closing || exited) return;
    closing = true;
    worker.ref();
    worker.postMessage('close');
  });
  // process.exit() does not wait: the socket is closed before the worker is torn down.
  process.once('exit', () => {
    if (exited) return;
    closing = true;
    worker.postMessage('close');
    Atomics.wait(new Int32Array(closed), 0, 0, CLOSE_WAIT_MS);
  });
  return new Promise<void>((resolve, reject) => {
    worker.on('message', (message: ZapWorkerMessage) => {
      switch (message.type) {
        case 'ready':
          running = true;
          worker.unref();
          resolve();
          return;
        case 'bind-failed':
          reject(new TsmpiError('ERR_JOB', `${describe} cannot authenticate its connections: its ZAP handler could not start (${message.error})`));
          return;
        case 'refused': {
          // Once per address: a prober must not be able to flood the job's output.
          const key = `${message.address}/${message.mechanism}`;
          if (warned.has(key)) return;
          warned.add(key);
          process.emitWarning(
            `tsmpi: ${describe} refused a connection from ${message.address || 'a local socket'} (${message.reason}); ` +
              'it is not part of this job (further refusals from there are not reported)',
          );
          return;
        }
      }
    });
    worker.on('error', (error) => {
      const failure = new TsmpiError('ERR_JOB', `${describe}: the ZAP handler that authenticates its connections failed: ${error.message}`, { cause: error });
      if (!running) {
        reject(failure);
      } else if (!closing) {
        // Without a handler no peer could connect any more: the rank must not wait forever.
        process.nextTick(() => {
          throw failure;
        });
      }
    });
  });
}
