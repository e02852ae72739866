/**
 * Whether the ranks of a node poll their boards before they sleep (node-board.ts,
 * NodeBoardOptions.spinMicros): by default where every rank of the job on this node has a core of
 * its own, so that the time a rank polls is time its core would idle; `TSMPI_BOARD_SPIN=on` or
 * `off` decides instead (docs/cli.md).
 */
import { TsmpiError } from '../errors.js';
import { availableCores } from '../runtime/available-cores.js';

/**
 * How long a rank that polls does so before it sleeps, in microseconds: about the cost of being
 * woken through inotify on the development machine, so a wait that outlasts the poll costs at
 * most twice what sleeping at once would.
 */
export const BOARD_SPIN_MICROS = 50;

/** The variable that turns polling on or off whatever the placement. */
export const BOARD_SPIN_SWITCH = 'TSMPI_BOARD_SPIN';

/** What {@link BOARD_SPIN_SWITCH} asks for: `auto` when it is not set. */
export type BoardSpinSetting = 'on' | 'off' | 'auto';

/**
 * Reads {@link BOARD_SPIN_SWITCH} from `env`.
 * @throws TsmpiError ERR_JOB when it is set to anything but `on` or `off`
 */
export function boardSpinSetting(env: NodeJS.ProcessEnv = process.env): BoardSpinSetting {
  const value = env[BOARD_SPIN_SWITCH];
  if (value === undefined || value === '') return 'auto';
  if (value === 'on' || value === 'off') return value;
  throw new TsmpiError('ERR_JOB', `environment variable ${BOARD_SPIN_SWITCH}=${value} is not on or off`);
}

/**
 * The spin time for the boards of a rank whose node runs `ranksOnNode` ranks of the job.
 * @param oversubscribed - some node runs more ranks than it has slots (the launcher's table of peers)
 * @param cores - counts the cores this process may run on (its CPU affinity, limited by a cgroup
 *   CPU quota: the count tsmpiexec gives a host's slots by default); called only when it decides
 */
export function boardSpinMicros(setting: BoardSpinSetting, ranksOnNode: number, oversubscribed: boolean, cores: () => number = availableCores): number {
  if (setting === 'auto') return !oversubscribed && ranksOnNode <= cores() ? BOARD_SPIN_MICROS : 0;
  return setting === 'on' ? BOARD_SPIN_MICROS : 0;
}
