/**
 * The per-job secret and what ranks derive from it. tsmpiexec draws 32 random bytes per job and
 * hands them to every rank over a channel only the job holds (the rank's control channel, or the
 * node agent's stdin); never on a command line or in the environment, which `ps` shows to
 * everybody. Every ZeroMQ connection between ranks must prove it knows the secret:
 *
 * - PLAIN (default): the connecting rank presents a password derived from the secret. Cheap, but
 *   the password crosses the wire in clear.
 * - CURVE (`--encrypt`, tcp between nodes): job-wide server and client key pairs derived from the
 *   secret; the connection is encrypted and the secret never crosses the wire.
 *
 * Deriving (HKDF-SHA256, one label per use) keeps the secret itself off the wire even with PLAIN,
 * and means only one value has to be handed out.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { curveKeyPairFromSecret, type CurveKeyPair } from './curve-keys.js';

/** What a rank needs to join its job's connections; sent once, before anything else. */
export interface JobCredentials {
  /** 32 random bytes as 64 hexadecimal digits. */
  readonly secret: string;
  /** Whether connections between nodes use CURVE (encrypted) instead of PLAIN. */
  readonly encrypt: boolean;
}

/** How the secret is written: 64 hexadecimal digits. Tests look for this in `ps` output. */
export const JOB_SECRET_PATTERN = /^[0-9a-f]{64}$/;

/** The ZAP domain tsmpi's sockets authenticate in; ZAP requests of any other domain are refused. */
export const ZAP_DOMAIN = 'tsmpi';

/** The PLAIN user name every rank presents (the password is what proves membership). */
export const PLAIN_USERNAME = 'tsmpi';

/** Draws a new job's credentials. */
export function createJobCredentials(encrypt: boolean): JobCredentials {
  return { secret: randomBytes(32).toString('hex'), encrypt };
}

/** True when `value` is well-formed credentials (they arrive over a channel as JSON). */
export function isJobCredentials(value: unknown): value is JobCredentials {
  const candidate = value as Partial<JobCredentials> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.secret === 'string' &&
    JOB_SECRET_PATTERN.test(candidate.secret) &&
    typeof candidate.encrypt === 'boolean'
  );
}

/** Everything the sockets of one rank need, derived once from the credentials. */
export interface JobKeys {
  /** Whether tcp connections use CURVE. */
  readonly encrypt: boolean;
  /** The PLAIN password (hex). */
  readonly plainPassword: string;
  /** The key pair every rank's inbound socket serves CURVE with. */
  readonly curveServer: CurveKeyPair;
  /** The key pair every rank connects with over CURVE. */
  readonly curveClient: CurveKeyPair;
}

function derive(secret: string, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'hex'), Buffer.alloc(0), `tsmpi ${label}`, 32));
}

/** Derives the keys of a job from its credentials. */
export function deriveJobKeys(credentials: JobCredentials): JobKeys {
  return {
    encrypt: credentials.encrypt,
    plainPassword: derive(credentials.secret, 'plain password').toString('hex'),
    curveServer: curveKeyPairFromSecret(derive(credentials.secret, 'curve server')),
    curveClient: curveKeyPairFromSecret(derive(credentials.secret, 'curve client')),
  };
}
