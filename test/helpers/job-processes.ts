/**
 * Every process of one job, on every "node" of the test machine: the process that launches it
 * (tsmpiexec, or a program calling createPool()) and all it starts (ranks, ssh clients,
 * watchdogs), the node agents its ssh sessions run on the loopback hosts and in the far host's
 * network namespace (which shares /proc), and all they start. Remote processes do not inherit the
 * test's marker variable (ssh passes no environment; only ranks get it, with `-x`), so the watch
 * follows the process tree while the job runs: any child of a process of the job is one too, and
 * node agents are recognised by their `--job ID` argument, whose ID starts with the launching
 * process's pid. After the job, {@link JobProcesses.assertGone} fails if any is left.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { MARKER_VARIABLE } from './run-tsmpiexec.js';

interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly state: string;
  /** Start time in clock ticks since boot: tells a pid apart from a later reuse of it. */
  readonly started: string;
}

function readStat(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), state: fields[0] as string, started: fields[19] as string };
  } catch {
    return undefined;
  }
}

function readText(pid: number, file: 'cmdline' | 'environ'): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return '';
  }
}

/** Watches the processes of one job, from its start until {@link JobProcesses.assertGone}. */
export class JobProcesses {
  readonly #marker: string;
  readonly #agentArgument: string;
  /** Known processes of the job: pid -> start time. */
  readonly #known = new Map<number, string>();
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param launcherPid - the process that launches the job: tsmpiexec, or a program calling createPool()
   * @param marker - the marker it was started with (startTsmpiexec, startProgram; ranks carry it, remote ones through -x)
   */
  constructor(launcherPid: number, marker: string) {
    this.#marker = `${MARKER_VARIABLE}=${marker}`;
    this.#agentArgument = `--job\0${launcherPid.toString(36)}-`;
    const self = readStat(launcherPid);
    if (self !== undefined) this.#known.set(launcherPid, self.started);
    this.#scan();
    // No event announces processes that are not our children: poll while the job runs.
    this.#timer = setInterval(() => this.#scan(), 100);
    this.#timer.unref();
  }

  /** Looks through /proc once for new processes of the job. */
  #scan(): void {
    const all = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map((entry) => readStat(Number(entry)))
      .filter((info): info is ProcessInfo => info !== undefined && info.pid !== process.pid);
    // Parents before children is not guaranteed by pid order: repeat until nothing new is found.
    for (let grew = true; grew; ) {
      grew = false;
      for (const info of all) {
        if (this.#known.get(info.pid) === info.started) continue;
        const isChild = this.#known.has(info.ppid);
        if (isChild || this.#isOurs(info.pid)) {
          this.#known.set(info.pid, info.started);
          grew = true;
        }
      }
    }
  }

  /** Stops polling. */
  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Live (non-zombie) processes of the job, as `pid: command line`. */
  #left(): string[] {
    this.#scan();
    const found: string[] = [];
    for (const [pid, started] of this.#known) {
      const info = readStat(pid);
      if (info === undefined || info.started !== started || info.state === 'Z' || info.state === 'X') continue;
      found.push(`${pid}: ${readText(pid, 'cmdline').replaceAll('\0', ' ').replace(/\s+/g, ' ').trim().slice(0, 200)}`);
    }
    return found;
  }

  /**
   * Resolves with the milliseconds it took until no process of the job was left; fails (after
   * killing them) if some are still there after `withinMs`.
   */
  async assertGone(withinMs: number): Promise<number> {
    this.#stop();
    const start = Date.now();
    for (;;) {
      const left = this.#left();
      if (left.length === 0) return Date.now() - start;
      if (Date.now() - start > withinMs) {
        for (const line of left) {
          try {
            process.kill(Number(line.split(':')[0]), 'SIGKILL');
          } catch {
            // Gone meanwhile.
          }
        }
        throw new Error(`processes of the job were left ${withinMs} ms after it ended:\n${left.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The pid of rank `rank` (the process whose environment carries the marker and TSMPI_RANK). */
  rankPid(rank: number): number | undefined {
    this.#scan();
    for (const pid of this.#known.keys()) {
      const environ = readText(pid, 'environ').split('\0');
      if (environ.includes(this.#marker) && environ.includes(`TSMPI_RANK=${rank}`) && readText(pid, 'cmdline').startsWith(process.execPath)) return pid;
    }
    return undefined;
  }

  /** The pid of the node agent that ssh runs on `host` (its session's SSH_CONNECTION names it). */
  agentPid(host: string): number | undefined {
    this.#scan();
    for (const pid of this.#known.keys()) {
      if (!readText(pid, 'cmdline').includes(this.#agentArgument)) continue;
      const connection = readText(pid, 'environ').split('\0').find((entry) => entry.startsWith('SSH_CONNECTION='));
      if (connection?.split(' ')[2] === host) return pid;
    }
    return undefined;
  }

  #isOurs(pid: number): boolean {
    return readText(pid, 'cmdline').includes(this.#agentArgument) || readText(pid, 'environ').split('\0').includes(this.#marker);
  }
}
