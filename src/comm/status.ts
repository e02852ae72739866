/**
 * What a receive or probe learns about the message it matched, as mpi4py's `Status` does.
 */

/** Source, tag and size of a received or probed message. */
export class Status {
  /** Rank of the sender in the communicator (PROC_NULL for a receive from PROC_NULL). */
  source = -1;
  /** Tag the message was sent with. */
  tag = -1;
  /** Size of the message body in bytes. */
  size = 0;

  /** Copies the fields of `other` into this status. */
  assign(other: { readonly source: number; readonly tag: number; readonly size: number }): this {
    this.source = other.source;
    this.tag = other.tag;
    this.size = other.size;
    return this;
  }
}
