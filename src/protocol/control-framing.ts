/**
 * Framing of control messages: one JSON document per line. Control traffic is a handful of small
 * messages per rank, so readability and robustness matter more than speed here.
 */
import { TsmpiError } from '../errors.js';

/** A line longer than this is not a control message: the peer is not speaking the protocol. */
export const MAX_CONTROL_LINE_BYTES = 1 << 20;

/** Encodes one message as a line. */
export function encodeControlLine(message: { readonly type: string }): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * Splits a byte stream into control messages. Each message must be a JSON object with a string
 * `type`; the caller checks the type against the union it expects.
 */
export class ControlLineDecoder {
  #pending = '';

  /**
   * Feeds received bytes and returns the complete messages they finish.
   * @throws TsmpiError ERR_PROTOCOL on a line that is not a control message
   */
  push(chunk: Buffer | string): { readonly type: string }[] {
    this.#pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const messages: { type: string }[] = [];
    let newline: number;
    while ((newline = this.#pending.indexOf('\n')) >= 0) {
      const line = this.#pending.slice(0, newline);
      this.#pending = this.#pending.slice(newline + 1);
      if (line.length > 0) messages.push(parseControlLine(line));
    }
    if (this.#pending.length > MAX_CONTROL_LINE_BYTES) {
      throw new TsmpiError('ERR_PROTOCOL', `control line longer than ${MAX_CONTROL_LINE_BYTES} bytes`);
    }
    return messages;
  }
}

function parseControlLine(line: string): { type: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new TsmpiError('ERR_PROTOCOL', `control line is not JSON: ${JSON.stringify(line.slice(0, 80))}`);
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { type?: unknown }).type !== 'string') {
    throw new TsmpiError('ERR_PROTOCOL', `control line has no message type: ${JSON.stringify(line.slice(0, 80))}`);
  }
  return parsed as { type: string };
}
