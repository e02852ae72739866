#!/usr/bin/env bash
# Stop the three slurmd (n1, n2, n3) and slurmctld started by start-slurm.sh.
# munged is left running (it is harmless and other tools may use it).
# Usage: stop-slurm.sh [STATE_DIR]      (default /tmp/tsmpi-infra/slurm)
set -euo pipefail

STATE_DIR=${1:-/tmp/tsmpi-infra/slurm}
NODES=(n1 n2 n3)

log() { printf '[stop-slurm] %s\n' "$*"; }
die() { printf '[stop-slurm] ERROR: %s\n' "$*" >&2; exit 1; }
# A live process (zombies waiting to be reaped do not count).
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ -n $st && $st != Z* ]]; }
# Pids of live (non-zombie) processes named $1.
live_pids() { ps -eo pid=,stat=,comm= | awk -v c="$1" '$3 == c && $2 !~ /^Z/ {print $1}'; }

[[ $(id -u) -eq 0 ]] || die "must run as root"

failed=0
stop_pidfile() {  # pidfile comm label
  local file=$1 comm=$2 label=$3 pid i
  if [[ ! -s $file ]]; then
    log "$label: no pid file $file (not running)"
    return 0
  fi
  pid=$(<"$file")
  if ! [[ $pid =~ ^[0-9]+$ ]] || ! alive "$pid" \
     || [[ $(ps -o comm= -p "$pid" 2>/dev/null) != "$comm" ]]; then
    log "$label: stale pid file $file (not running)"
    rm -f "$file"
    return 0
  fi
  kill "$pid"
  for ((i = 0; i < 100; i++)); do
    if ! alive "$pid"; then
      rm -f "$file"
      log "$label: stopped pid $pid"
      return 0
    fi
    sleep 0.1
  done
  log "$label: pid $pid did not exit after SIGTERM within 10 s"
  failed=1
}

for n in "${NODES[@]}"; do
  stop_pidfile "/run/slurmd-$n.pid" slurmd "slurmd -N $n"
done

# slurmctld: the pid file in STATE_DIR, and the one slurm.conf names (they
# differ if the cluster was started with another STATE_DIR).
ctld_pid_files=("$STATE_DIR/slurmctld.pid")
if [[ -f /etc/slurm/slurm.conf ]]; then
  f=$(sed -n 's/^SlurmctldPidFile=//p' /etc/slurm/slurm.conf | tail -1)
  [[ -n $f && $f != "${ctld_pid_files[0]}" ]] && ctld_pid_files+=("$f")
fi
for f in "${ctld_pid_files[@]}"; do
  stop_pidfile "$f" slurmctld slurmctld
done
if [[ -n $(live_pids slurmctld) ]]; then
  log "warning: a slurmctld not started from these pid files is still running: pid $(live_pids slurmctld | tr '\n' ' ')"
fi

[[ $failed -eq 0 ]] || die "some Slurm daemons did not stop"
log "done (munged left running)"
