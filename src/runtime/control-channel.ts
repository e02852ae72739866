/**
 * The rank's end of the control channel: a socket on an inherited file descriptor, shared by the
 * preload guard and init() (and by two copies of the library, should a program load two), so it
 * lives on globalThis.
 */
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { TsmpiError } from '../errors.js';
import { ControlLineDecoder, encodeControlLine } from '../protocol/control-framing.js';
import type { LauncherToRank, RankToLauncher, StatusRequestMessage } from '../protocol/control-messages.js';

const GLOBAL_KEY = Symbol.for('tsmpi.controlChannel');

/** A control channel to the launcher side. */
export class ControlChannel {
  readonly #fd: number;
  readonly #socket: Socket;
  readonly #decoder = new ControlLineDecoder();
  readonly #received: LauncherToRank[] = [];
  #waiter: ((message: LauncherToRank | Error) => void) | undefined;
  #ended = false;
  #lostHandlers: (() => void)[] = [];
  #statusHandler: ((request: StatusRequestMessage) => void) | undefined;

  private constructor(fd: number) {
    this.#fd = fd;
    this.#socket = new Socket({ fd, readable: true, writable: true });
    // The channel must not keep a finished program alive; it is referenced only while awaited.
    this.#socket.unref();
    this.#socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    this.#socket.on('error', () => this.#end());
    this.#socket.on('close', () => this.#end());
  }

  /**
   * The process's channel on `fd`, opened on first use.
   * @throws TsmpiError ERR_JOB when `fd` is not open: the environment says "started by tsmpiexec"
   *   but the process was not (a child of a rank inherits the variables, not the descriptor)
   */
  static open(fd: number): ControlChannel {
    const slot = globalThis as { [GLOBAL_KEY]?: ControlChannel };
    if (slot[GLOBAL_KEY] === undefined) {
      try {
        slot[GLOBAL_KEY] = new ControlChannel(fd);
      } catch (error) {
        throw new TsmpiError(
          'ERR_JOB',
          `TSMPI_CONTROL_FD=${fd} is set but that descriptor is not tsmpiexec's control channel in this process ` +
            '(a program started by a rank inherits the TSMPI_* variables but is not a rank; unset them to run it alone)',
          { cause: error },
        );
      }
    }
    return slot[GLOBAL_KEY];
  }

  /** Sends a message (asynchronously buffered). */
  send(message: RankToLauncher): void {
    if (!this.#ended) this.#socket.write(encodeControlLine(message));
  }

  /**
   * Sends a message before returning, for a process about to exit. Returns false when the
   * launcher side cannot be reached.
   */
  sendNow(message: RankToLauncher): boolean {
    const bytes = Buffer.from(encodeControlLine(message));
    let written = 0;
    for (let attempts = 0; written < bytes.length && attempts < 1000; attempts++) {
      try {
        written += writeSync(this.#fd, bytes, written);
      } catch (error) {
        // The socket is non-blocking; a full buffer is retried, anything else means it is gone.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return false;
      }
    }
    return written === bytes.length;
  }

  /** Waits for the next message from the launcher side. */
  next(): Promise<LauncherToRank> {
    const queued = this.#received.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#ended) return Promise.reject(lostError());
    this.#socket.ref();
    return new Promise<LauncherToRank>((resolve, reject) => {
      this.#waiter = (message) => {
        this.#waiter = undefined;
        this.#socket.unref();
        if (message instanceof Error) reject(message);
        else resolve(message);
      };
    });
  }

  /**
   * Calls `handler` for every status request, whenever it arrives: such requests never reach
   * {@link next}, so they cannot disturb a rank that is joining its job.
   */
  onStatusRequest(handler: (request: StatusRequestMessage) => void): void {
    this.#statusHandler = handler;
  }

  /** Calls `handler` when the launcher side goes away. */
  onLost(handler: () => void): void {
    this.#lostHandlers.push(handler);
  }

  #receive(chunk: Buffer): void {
    let messages;
    try {
      messages = this.#decoder.push(chunk) as LauncherToRank[];
    } catch (error) {
      this.#waiter?.(error as Error);
      return;
    }
    for (const message of messages) {
      if (message.type === 'status-request') this.#statusHandler?.(message);
      else if (this.#waiter !== undefined) this.#waiter(message);
      else this.#received.push(message);
    }
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#waiter?.(lostError());
    for (const handler of this.#lostHandlers) handler();
  }
}

function lostError(): TsmpiError {
  return new TsmpiError('ERR_JOB', 'the control channel to tsmpiexec closed: the launcher has gone away');
}
