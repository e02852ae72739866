/**
 * A tiny shell process that outlives tsmpiexec only to clean up after it: it reads rank process
 * group ids from a pipe, and when the pipe closes without a "done" line (tsmpiexec was killed,
 * even with SIGKILL) it terminates every group, kills what is left after a grace period, and
 * removes the job's directory.
 */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';

// POSIX sh: collect process group ids until "done" or end of input; on end of input, clean up.
// (dash, Debian's sh, rejects "kill -- -PGID"; "kill -TERM -PGID" works in every sh.)
const WATCHDOG_SCRIPT = `
groups=""
while IFS= read -r line; do
  case "$line" in
    done) exit 0 ;;
    *[!0-9]*|"") ;;
    *) groups="$groups -$line" ;;
  esac
done
if [ -n "$groups" ]; then
  kill -TERM $groups 2>/dev/null
  # Up to $1 tenths of a second for the groups to go, then SIGKILL; leave as soon as they are
  # gone, so the watchdog itself does not outlive the job by the whole grace period.
  ticks=0
  while [ "$ticks" -lt "$1" ]; do
    alive=""
    for group in $groups; do kill -0 "$group" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
    ticks=$((ticks + 1))
  done
  kill -KILL $groups 2>/dev/null
fi
[ -n "$2" ] && rm -rf -- "$2"
exit 0
`;

/** Watches over the process groups of a job's ranks on this node. */
export class OrphanWatchdog {
  readonly #child: ChildProcess;

  /**
   * @param graceSeconds - longest time between SIGTERM and SIGKILL when it has to clean up
   * @param jobDir - a directory to remove when it has to clean up ('' for none)
   * @param spawn - injected for tests
   */
  constructor(graceSeconds: number, jobDir: string, spawn: typeof nodeSpawn = nodeSpawn) {
    const graceTicks = String(Math.max(1, Math.ceil(graceSeconds * 10)));
    this.#child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'tsmpi-watchdog', graceTicks, jobDir], {
      stdio: ['pipe', 'ignore', 'ignore'],
      // Its own session: a Ctrl-C meant for tsmpiexec must not take the watchdog down first.
      detached: true,
    });
    this.#child.on('error', () => {});
    this.#child.stdin?.on('error', () => {});
    this.#child.unref();
  }

  /** Adds the process group led by `pid` to the groups it cleans up. */
  watch(pid: number): void {
    this.#child.stdin?.write(`${pid}\n`);
  }

  /** The job ended normally: the watchdog exits without touching anything. */
  dismiss(): void {
    this.#child.stdin?.end('done\n');
  }
}
