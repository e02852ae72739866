/**
 * The board in shared memory (src/collectives/node-board.ts) with several ranks' views of it in
 * one process: what a step waits for, what the ranks read, and how waits end without the step.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EVERY_RANK, NO_RANK, NodeBoard } from '../../src/collectives/node-board.js';
import { decodeBody, encodeBody } from '../../src/codec/value-codec.js';

const mismatch = (rank: number, aux: number): Error => new Error(`rank ${rank} made call ${aux}`);

/** Resolves to 'pending' if `promise` has not settled after the event loop has run a while. */
async function stateOf(promise: Promise<unknown>): Promise<string> {
  const marker = Symbol('pending');
  const settled = promise.then(
    () => 'resolved',
    (error: Error) => `rejected: ${error.message}`,
  );
  // Long enough for an inotify event written before to be delivered.
  const timeout = new Promise<symbol>((resolve) => setTimeout(() => resolve(marker), 100));
  const result = await Promise.race([settled, timeout]);
  return result === marker ? 'pending' : (result as string);
}

describe('NodeBoard', { timeout: 30_000 }, () => {
  let dir: string;
  let boards: NodeBoard[];
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'tsmpi-board-test-')), 'board');
    boards = [0, 1, 2].map((rank) => NodeBoard.open(dir, 3, rank));
  });
  afterEach(() => {
    for (const board of boards) board.close(new Error('test over'));
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });
  const board = (rank: number): NodeBoard => boards[rank] as NodeBoard;

  it('completes a step for every rank once the last rank reaches it, and shows what each posted', async () => {
    const values = ['small', { big: 'x'.repeat(10_000) }, new Float64Array([1, 2, 3])];
    const steps: Promise<void>[] = [];
    for (const rank of [0, 1]) {
      board(rank).post(0, 7, encodeBody(values[rank]));
      steps.push(board(rank).step(0, 7, mismatch, EVERY_RANK));
    }
    assert.equal(await stateOf(steps[0] as Promise<void>), 'pending');
    board(2).post(0, 7, encodeBody(values[2]));
    await board(2).step(0, 7, mismatch, EVERY_RANK);
    await Promise.all(steps);
    for (const reader of [0, 1, 2]) {
      for (const poster of [0, 1, 2]) {
        const head = board(reader).head(poster);
        assert.equal(head.seq, 0);
        assert.equal(head.aux, 7);
        assert.deepEqual(decodeBody(head.encoding, head.kindCode, board(reader).frames(poster)), values[poster]);
      }
    }
  });

  it('leaves a posted array\'s unread range out of the spill file, and reads the rest where it belongs', async () => {
    const array = Uint8Array.from({ length: 200_000 }, (_, i) => (i % 251) + 1);
    const unread = { offset: 60_000, bytes: 50_000 };
    // Rank 0 posts different bytes in calls 0 and 2, whose steps share their spill files: the
    // rest of the array is replaced, the range never written.
    for (const [seq, fill] of [[0, 0], [2, 1]] as const) {
      if (seq > 0) {
        for (const rank of [0, 1, 2]) board(rank).post(1, 5, undefined);
        await Promise.all([0, 1, 2].map((rank) => board(rank).step(1, 5, mismatch, EVERY_RANK)));
      }
      const posted = array.map((value) => value + fill);
      board(0).post(seq, 5, encodeBody(posted), unread);
      for (const rank of [1, 2]) board(rank).post(seq, 5, undefined);
      await Promise.all([0, 1, 2].map((rank) => board(rank).step(seq, 5, mismatch, EVERY_RANK)));
      const before = new Uint8Array(unread.offset);
      board(1).readSpill(0, 0, before);
      assert.deepEqual(before, posted.subarray(0, unread.offset));
      const after = new Uint8Array(array.length - unread.offset - unread.bytes);
      board(2).readSpill(0, unread.offset + unread.bytes, after);
      assert.deepEqual(after, posted.subarray(unread.offset + unread.bytes));
      const skipped = new Uint8Array(unread.bytes);
      board(1).readSpill(0, unread.offset, skipped);
      // Never written: a hole in the file, which reads as zeros.
      assert.ok(skipped.every((byte) => byte === 0), 'the unread range was written');
    }
  });

  it('finds by polling a step another process completes while this rank spins, without waiting for the bell', async () => {
    const spinDir = join(dir, '..', 'spin');
    const spinning = NodeBoard.open(spinDir, 2, 0, { spinMicros: 5_000_000 });
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../fixtures/board-step-child.ts', import.meta.url)), spinDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    try {
      assert.equal((await lines.next()).value, 'opened');
      spinning.post(0, 9, undefined);
      const step = spinning.step(0, 9, mismatch, EVERY_RANK);
      // Settled before this rank ever yielded: a resolved promise's reaction runs first. (Should
      // this process be descheduled between marking its step and first reading the board, the
      // child could step before the poll begins; the test then passes without polling, never fails.)
      const first = await Promise.race([step.then(() => 'resolved'), Promise.resolve().then(() => 'not yet')]);
      assert.equal(first, 'resolved');
      assert.equal((await lines.next()).value, 'stepped');
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 0);
    } finally {
      spinning.close(new Error('test over'));
      child.kill();
    }
  });

  it('sleeps until the bell once a spin has found nothing', async () => {
    boards[0]?.close(new Error('replaced'));
    boards[0] = NodeBoard.open(dir, 3, 0, { spinMicros: 2_000 });
    board(0).post(0, 4, undefined);
    const waiting = board(0).step(0, 4, mismatch, EVERY_RANK);
    assert.equal(await stateOf(waiting), 'pending');
    const others = [1, 2].map((rank) => {
      board(rank).post(0, 4, undefined);
      return board(rank).step(0, 4, mismatch, EVERY_RANK);
    });
    await Promise.all([waiting, ...others]);
  });

  it('lets a step wait for one rank only, or for none', async () => {
    const waiting = board(1).step(0, 3, mismatch, 0);
    assert.equal(await board(2).step(0, 3, mismatch, NO_RANK).then(() => 'resolved'), 'resolved');
    assert.equal(await stateOf(waiting), 'pending');
    board(0).post(0, 3, encodeBody('from the root'));
    await board(0).step(0, 3, mismatch, NO_RANK, true);
    await waiting;
    const head = board(1).head(0);
    assert.equal(decodeBody(head.encoding, head.kindCode, board(1).frames(0)), 'from the root');
  });

  it('keeps a rank from posting again before every rank has reached its last step', async () => {
    // Rank 0 needs nobody for step 1, but may post for step 2 only once ranks 1 and 2 reached step 1.
    await board(0).step(0, 3, mismatch, NO_RANK, true);
    const ready = board(0).ready(1, 3, mismatch);
    assert.equal(await stateOf(ready), 'pending');
    await board(1).step(0, 3, mismatch, NO_RANK);
    assert.equal(await stateOf(ready), 'pending');
    await board(2).step(0, 3, mismatch, NO_RANK);
    await ready;
  });

  it('ends a wait with the mismatch error when another rank announces a different call with the same number', async () => {
    const waiting = board(0).step(5, 11, mismatch, EVERY_RANK);
    // Announcements do not ring the bell: the waiting rank's once-a-second look finds it.
    board(2).announce(5, 12);
    const settled = await waiting.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    assert.equal(settled, 'rank 2 made call 12');
  });

  it('fails a waiting step, and every later one, when closed', async () => {
    const waiting = board(0).step(0, 1, mismatch, EVERY_RANK);
    board(0).close(new Error('finalized'));
    await assert.rejects(waiting, /finalized/);
    await assert.rejects(board(0).step(1, 1, mismatch, EVERY_RANK), /finalized/);
  });
});
