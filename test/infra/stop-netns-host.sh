#!/usr/bin/env bash
# Stop the far host made by start-netns-host.sh: kill its sshd and every other
# process still inside network namespace tsmpi-far, delete the veth pair, the
# namespace and the guard route. Keeps the configs and logs in STATE_DIR.
#
# Usage: stop-netns-host.sh [STATE_DIR]      (default /tmp/tsmpi-infra/ssh; run as root)
# Safe to run again.
set -euo pipefail

TAG=stop-netns-host
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=netns-host-common.sh
. "$SCRIPT_DIR/netns-host-common.sh"

STATE_DIR=${1:-/tmp/tsmpi-infra/ssh}
FAR_PID_FILE=$STATE_DIR/sshd-far.pid

require_root

wait_gone() { # PID... ; up to 3 s
  local i p left
  for ((i = 0; i < 30; i++)); do
    left=0
    for p in "$@"; do alive "$p" && left=1; done
    [[ $left -eq 0 ]] && return 0
    sleep 0.1
  done
  return 1
}

# 1. The sshd listener (its pid file).
if [[ -s $FAR_PID_FILE ]]; then
  pid=$(<"$FAR_PID_FILE")
  if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && [[ $(ps -o comm= -p "$pid" 2>/dev/null) == sshd ]]; then
    kill "$pid" 2>/dev/null || true
    wait_gone "$pid" || { kill -KILL "$pid" 2>/dev/null || true; wait_gone "$pid" || die "sshd pid $pid did not exit"; }
    log "stopped namespace sshd pid $pid"
  else
    log "sshd pid file $FAR_PID_FILE is stale ('$pid'); not killing anything by it"
  fi
  rm -f "$FAR_PID_FILE"
else
  log "no pid file $FAR_PID_FILE"
fi

# 2. Everything else still inside the namespace (sessions, node agents, ranks).
if ns_exists; then
  mapfile -t pids < <(ip netns pids "$NS" 2>/dev/null)
  if [[ ${#pids[@]} -gt 0 ]]; then
    log "processes still in $NS: $(ps -o pid=,ppid=,args= -p "$(IFS=,; echo "${pids[*]}")" | sed 's/^ */    /' | tr '\n' ';')"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    if ! wait_gone "${pids[@]}"; then
      kill -KILL "${pids[@]}" 2>/dev/null || true
      wait_gone "${pids[@]}" || die "processes ${pids[*]} in $NS survived SIGKILL"
      log "killed (SIGKILL) ${pids[*]}"
    else
      log "terminated ${pids[*]}"
    fi
  fi
fi

# 3. The veth pair (deleting one end deletes both) and the namespace.
if host_if_exists; then
  ip link del dev "$HOST_IF" || die "could not delete $HOST_IF"
  log "deleted veth pair $HOST_IF <-> $NS_IF"
else
  log "no $HOST_IF"
fi
if ns_exists; then
  ip netns del "$NS" || die "could not delete namespace $NS"
  log "deleted namespace $NS"
else
  log "no namespace $NS"
fi

# 4. The guard route (only needed while the veth exists).
if guard_route_present; then
  ip route del blackhole "$SUBNET" metric "$GUARD_METRIC" || die "could not delete the guard route"
  log "deleted guard route blackhole $SUBNET metric $GUARD_METRIC"
fi
log "far host stopped"
