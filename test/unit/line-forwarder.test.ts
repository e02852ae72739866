import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineForwarder } from '../../launcher/output/line-forwarder.js';

describe('line forwarder', { timeout: 10_000 }, () => {
  it('passes on whole lines only, however the stream is cut', () => {
    const out: string[] = [];
    const forwarder = new LineForwarder((text) => (out.push(text), true));
    forwarder.write('ab');
    forwarder.write('c\nde');
    forwarder.write('f\ng\nh');
    assert.deepEqual(out, ['abc\n', 'def\ng\n']);
    forwarder.end();
    assert.deepEqual(out, ['abc\n', 'def\ng\n', 'h\n']);
  });

  it('prefixes every line with the tag', () => {
    const out: string[] = [];
    const forwarder = new LineForwarder((text) => (out.push(text), true), '[3] ');
    forwarder.write('one\ntwo\nthr');
    forwarder.write('ee\n');
    assert.equal(out.join(''), '[3] one\n[3] two\n[3] three\n');
  });

  it('leaves a final partial line alone when asked to', () => {
    const out: string[] = [];
    const forwarder = new LineForwarder((text) => (out.push(text), true), '', false);
    forwarder.write('no newline');
    forwarder.end();
    assert.deepEqual(out, ['no newline']);
  });

  it('passes on the sink\'s wish to pause', () => {
    const forwarder = new LineForwarder(() => false);
    assert.equal(forwarder.write('partial'), true);
    assert.equal(forwarder.write('line\n'), false);
  });
});
