/**
 * When ranks poll their node's boards before they sleep (src/collectives/board-spin.ts): only
 * where every rank of the job on the node has a core of its own, unless TSMPI_BOARD_SPIN says.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BOARD_SPIN_MICROS, boardSpinMicros, boardSpinSetting } from '../../src/collectives/board-spin.js';
import { TsmpiError } from '../../src/errors.js';

describe('board spin', { timeout: 10_000 }, () => {
  it('polls by default only when no node is oversubscribed and this node has a core per rank', () => {
    assert.equal(boardSpinMicros('auto', 2, false, () => 2), BOARD_SPIN_MICROS);
    assert.equal(boardSpinMicros('auto', 3, false, () => 2), 0);
    assert.equal(boardSpinMicros('auto', 2, true, () => 8), 0);
    assert.ok(BOARD_SPIN_MICROS > 0);
  });

  it('polls or sleeps as TSMPI_BOARD_SPIN says, whatever the placement', () => {
    assert.equal(boardSpinMicros(boardSpinSetting({ TSMPI_BOARD_SPIN: 'on' }), 8, true, () => 2), BOARD_SPIN_MICROS);
    assert.equal(boardSpinMicros(boardSpinSetting({ TSMPI_BOARD_SPIN: 'off' }), 2, false, () => 8), 0);
    assert.equal(boardSpinSetting({}), 'auto');
    assert.equal(boardSpinSetting({ TSMPI_BOARD_SPIN: '' }), 'auto');
  });

  it('refuses any other value with ERR_JOB naming the variable', () => {
    assert.throws(
      () => boardSpinSetting({ TSMPI_BOARD_SPIN: 'yes' }),
      (error: unknown) => error instanceof TsmpiError && error.code === 'ERR_JOB' && error.message === 'environment variable TSMPI_BOARD_SPIN=yes is not on or off',
    );
  });
});
