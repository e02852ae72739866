/** The job secret, the keys derived from it, and CURVE keys made without ZeroMQ. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { curveKeyPair } from 'zeromq';
import { curveKeyPairFromSecret, z85Decode, z85Encode } from '../../src/transport/curve-keys.js';
import { createJobCredentials, deriveJobKeys, isJobCredentials, JOB_SECRET_PATTERN } from '../../src/transport/job-secret.js';

describe('job secret', { timeout: 10_000 }, () => {
  it('derives the same CURVE public key from a secret key as libzmq does', () => {
    for (let i = 0; i < 5; i++) {
      const reference = curveKeyPair();
      assert.deepEqual(curveKeyPairFromSecret(z85Decode(reference.secretKey)), reference);
    }
  });

  it('encodes Z85 as RFC 32 does (its test vector) and decodes it back', () => {
    const bytes = Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    assert.equal(z85Encode(bytes), 'HelloWorld');
    assert.deepEqual(z85Decode('HelloWorld'), bytes);
    assert.throws(() => z85Decode('Hello~orld'), RangeError);
  });

  it('draws a fresh 64-hex-digit secret per job', () => {
    const a = createJobCredentials(false);
    const b = createJobCredentials(true);
    assert.match(a.secret, JOB_SECRET_PATTERN);
    assert.notEqual(a.secret, b.secret);
    assert.equal(b.encrypt, true);
    assert.ok(isJobCredentials(a));
    assert.ok(!isJobCredentials({ secret: 'short', encrypt: false }));
    assert.ok(!isJobCredentials({ secret: a.secret }));
  });

  it('derives the same keys on every rank, different keys per job, and never the secret itself', () => {
    const job = createJobCredentials(true);
    const here = deriveJobKeys(job);
    const there = deriveJobKeys({ ...job });
    assert.deepEqual(here, there);
    const other = deriveJobKeys(createJobCredentials(true));
    assert.notEqual(here.plainPassword, other.plainPassword);
    assert.notEqual(here.curveServer.publicKey, other.curveServer.publicKey);
    assert.notEqual(here.curveServer.publicKey, here.curveClient.publicKey);
    assert.notEqual(here.plainPassword, job.secret, 'PLAIN sends its password in clear: it must not be the secret');
  });
});
