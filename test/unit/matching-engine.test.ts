import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANY_SOURCE, ANY_TAG, MatchingEngine, type Envelope } from '../../src/matching/matching-engine.js';

const envelope = (source: number, tag: number, label: string, context = 0): Envelope => ({
  context,
  source,
  tag,
  aux: 0,
  encoding: 2,
  kindCode: 0,
  body: [Buffer.from(label)],
  size: label.length,
});
const label = (e: Envelope): string => (e.body[0] as Buffer).toString();

describe('matching engine', { timeout: 10_000 }, () => {
  it('gives a receive the earliest matching unexpected message', async () => {
    const engine = new MatchingEngine();
    engine.deliver(envelope(1, 5, 'a'));
    engine.deliver(envelope(2, 5, 'b'));
    engine.deliver(envelope(1, 5, 'c'));
    assert.equal(label(await engine.receive(0, 1, 5)), 'a');
    assert.equal(label(await engine.receive(0, 1, 5)), 'c');
    assert.equal(label(await engine.receive(0, ANY_SOURCE, ANY_TAG)), 'b');
  });

  it("names the memory of the receive an arriving message would go to, and only that receive's", async () => {
    const engine = new MatchingEngine();
    const first = new Uint8Array(8);
    const second = new Uint8Array(8);
    const receives = [engine.receive(0, 1, 7, first), engine.receive(0, ANY_SOURCE, 7, second), engine.receive(0, 2, 9)];
    assert.equal(engine.bufferWaitingFor(0, 1, 7), first);
    assert.equal(engine.bufferWaitingFor(0, 4, 7), second);
    assert.equal(engine.bufferWaitingFor(0, 2, 9), undefined, 'that receive gave no memory');
    assert.equal(engine.bufferWaitingFor(1, 1, 7), undefined, 'another context');
    engine.deliver(envelope(1, 7, 'a'));
    assert.equal(engine.bufferWaitingFor(0, 1, 7), second, 'the first receive has taken its message');
    engine.deliver(envelope(1, 7, 'b'));
    engine.deliver(envelope(2, 9, 'c'));
    assert.deepEqual((await Promise.all(receives)).map(label), ['a', 'b', 'c']);
  });

  it('gives an arriving message to the earliest matching posted receive', async () => {
    const engine = new MatchingEngine();
    const specific = engine.receive(0, 3, 1);
    const wildcard = engine.receive(0, ANY_SOURCE, ANY_TAG);
    assert.equal(engine.hasWaiters, true);
    engine.deliver(envelope(2, 9, 'x'));
    engine.deliver(envelope(3, 1, 'y'));
    assert.equal(label(await wildcard), 'x');
    assert.equal(label(await specific), 'y');
    assert.equal(engine.hasWaiters, false);
  });

  it('keeps contexts apart', async () => {
    const engine = new MatchingEngine();
    engine.deliver(envelope(0, 0, 'other context', 7));
    const receive = engine.receive(0, ANY_SOURCE, ANY_TAG);
    engine.deliver(envelope(0, 0, 'mine', 0));
    assert.equal(label(await receive), 'mine');
    assert.equal(engine.unexpectedCount, 1);
  });

  it('lets probes see a message without taking it', async () => {
    const engine = new MatchingEngine();
    const probe = engine.probe(0, 4, ANY_TAG);
    engine.deliver(envelope(4, 2, 'p'));
    assert.equal(label(await probe), 'p');
    assert.equal(label(engine.peek(0, 4, 2) as Envelope), 'p');
    assert.equal(label(await engine.receive(0, 4, 2)), 'p');
    assert.equal(engine.peek(0, 4, 2), undefined);
  });

  it('fails waiting and later operations once closed', async () => {
    const engine = new MatchingEngine();
    const pending = engine.receive(0, 1, 1);
    engine.close(new Error('closed'));
    await assert.rejects(pending, /closed/);
    await assert.rejects(engine.receive(0, 1, 1), /closed/);
  });
});
