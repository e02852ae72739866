/**
 * The one error family of tsmpi. Every error the library or the launcher raises on purpose is a
 * {@link TsmpiError} whose `code` says what went wrong; docs/errors.md lists every code.
 */

/** Every code a {@link TsmpiError} can carry. */
export type TsmpiErrorCode =
  /** A rank argument (destination, source, root) is outside the communicator. */
  | 'ERR_RANK'
  /** A tag is negative (other than ANY_TAG on a receive), too large, or not an integer. */
  | 'ERR_TAG'
  /** Another argument has the wrong type or value (for example waitAny of no requests). */
  | 'ERR_ARG'
  /** The value cannot be sent (function, symbol, circular structure, class instance, ...). */
  | 'ERR_UNSENDABLE'
  /** A receive into a buffer got a message that does not fit it (larger, or not a binary array). */
  | 'ERR_TRUNCATE'
  /** The call came after finalize(), or an operation was cancelled by finalize(). */
  | 'ERR_FINALIZED'
  /** The communicator was freed with free(). */
  | 'ERR_COMM_FREED'
  /** Ranks called different collectives (or one with different roots) at the same point. */
  | 'ERR_COLLECTIVE_MISMATCH'
  /** A message or control frame was malformed (wrong magic, unknown kind, truncated). */
  | 'ERR_PROTOCOL'
  /** The launcher and a rank disagree about the job (protocol version, environment). */
  | 'ERR_JOB'
  /** A command line that tsmpiexec cannot run (unknown option, -np 0, missing program). */
  | 'ERR_USAGE'
  /** More ranks were asked for than there are slots (cores), without --oversubscribe. */
  | 'ERR_OVERSUBSCRIBE'
  /** A hostfile or a Slurm/PBS allocation that cannot be read (a bad --host list is ERR_USAGE). */
  | 'ERR_HOSTFILE'
  /** A host could not be reached, or its launch agent failed or went away. */
  | 'ERR_HOST'
  /** A pool task failed on a worker (a RemoteTaskError, with the worker's message and stack). */
  | 'ERR_TASK';

/** The codes in a form that can be listed and checked at run time. */
export const TSMPI_ERROR_CODES: readonly TsmpiErrorCode[] = [
  'ERR_RANK',
  'ERR_TAG',
  'ERR_ARG',
  'ERR_UNSENDABLE',
  'ERR_TRUNCATE',
  'ERR_FINALIZED',
  'ERR_COMM_FREED',
  'ERR_COLLECTIVE_MISMATCH',
  'ERR_PROTOCOL',
  'ERR_JOB',
  'ERR_USAGE',
  'ERR_OVERSUBSCRIBE',
  'ERR_HOSTFILE',
  'ERR_HOST',
  'ERR_TASK',
];

/** An error raised by tsmpi; `code` identifies the kind, `message` names the cause. */
export class TsmpiError extends Error {
  /** What kind of error this is (see docs/errors.md). */
  readonly code: TsmpiErrorCode;

  /**
   * @param code - the kind of error
   * @param message - a sentence naming the cause, written for the person who made the call
   * @param options - the underlying error, when there is one
   */
  constructor(code: TsmpiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TsmpiError';
    this.code = code;
  }
}

/** True when `error` is a {@link TsmpiError}, optionally of the given code. */
export function isTsmpiError(error: unknown, code?: TsmpiErrorCode): error is TsmpiError {
  return error instanceof TsmpiError && (code === undefined || error.code === code);
}
