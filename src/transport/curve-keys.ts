/**
 * CURVE key pairs in the form ZeroMQ takes them (Z85 text, 40 characters per 32-byte key), made
 * with Node's own X25519 so that the launcher never loads the native ZeroMQ module. A key pair is
 * derived from 32 secret bytes: every rank of a job derives the same pairs from the job secret,
 * so nothing but that secret has to be handed out.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';

/** A CURVE key pair, both keys as Z85 text. */
export interface CurveKeyPair {
  readonly publicKey: string;
  readonly secretKey: string;
}

const Z85_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Encodes bytes (a multiple of 4 long) as Z85 (ZeroMQ RFC 32). */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.byteLength % 4 !== 0) throw new RangeError(`Z85 encodes multiples of 4 bytes, not ${bytes.byteLength}`);
  let text = '';
  for (let i = 0; i < bytes.byteLength; i += 4) {
    let value = (((bytes[i] as number) << 24) | ((bytes[i + 1] as number) << 16) | ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number)) >>> 0;
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = Z85_ALPHABET[value % 85] + chunk;
      value = Math.floor(value / 85);
    }
    text += chunk;
  }
  return text;
}

/** Decodes Z85 text (a multiple of 5 characters long) to bytes. */
export function z85Decode(text: string): Buffer {
  if (text.length % 5 !== 0) throw new RangeError(`Z85 text is a multiple of 5 characters, not ${text.length}`);
  const bytes = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const digit = Z85_ALPHABET.indexOf(text[i + j] as string);
      if (digit < 0) throw new RangeError(`${JSON.stringify(text[i + j])} is not a Z85 character`);
      value = value * 85 + digit;
    }
    bytes.writeUInt32BE(value, (i / 5) * 4);
  }
  return bytes;
}

// An X25519 private key in PKCS#8 DER is this fixed prefix followed by the 32 raw bytes (RFC 8410).
// DER, unlike a JWK without its public part, is accepted by every Node version (Node 24 rejects
// such a JWK).
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The X25519 key pair whose secret key is `secret` (32 bytes). */
export function curveKeyPairFromSecret(secret: Uint8Array): CurveKeyPair {
  if (secret.byteLength !== 32) throw new RangeError(`a CURVE secret key is 32 bytes, not ${secret.byteLength}`);
  const der = Buffer.concat([X25519_PKCS8_PREFIX, secret]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x as string;
  return { publicKey: z85Encode(Buffer.from(x, 'base64url')), secretKey: z85Encode(secret) };
}
