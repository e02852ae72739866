#!/usr/bin/env bash
# Stop the private sshd started by start-sshd.sh. Removes nothing else.
# Usage: stop-sshd.sh [STATE_DIR]      (default /tmp/tsmpi-infra/ssh)
set -euo pipefail

STATE_DIR=${1:-/tmp/tsmpi-infra/ssh}
PID_FILE=$STATE_DIR/sshd.pid

log() { printf '[stop-sshd] %s\n' "$*"; }
die() { printf '[stop-sshd] ERROR: %s\n' "$*" >&2; exit 1; }
# A live process (zombies waiting to be reaped do not count).
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ -n $st && $st != Z* ]]; }

if [[ ! -s $PID_FILE ]]; then
  log "no pid file $PID_FILE: sshd not running"
  exit 0
fi
pid=$(<"$PID_FILE")
[[ $pid =~ ^[0-9]+$ ]] || die "pid file $PID_FILE does not hold a pid: '$pid'"
if ! alive "$pid"; then
  log "sshd pid $pid is not running (stale pid file)"
  rm -f "$PID_FILE"
  exit 0
fi
if [[ $(ps -o comm= -p "$pid" 2>/dev/null) != sshd ]]; then
  log "pid $pid is not an sshd (stale pid file); leaving it alone"
  rm -f "$PID_FILE"
  exit 0
fi
# SIGTERM to the listener; existing sessions keep running until they end.
kill "$pid"
for ((i = 0; i < 50; i++)); do
  if ! alive "$pid"; then
    rm -f "$PID_FILE"
    log "stopped sshd pid $pid"
    exit 0
  fi
  sleep 0.1
done
die "sshd pid $pid did not exit after SIGTERM"
