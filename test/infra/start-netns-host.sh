#!/usr/bin/env bash
# Start the "far host": network namespace tsmpi-far behind a veth pair
# (host side tsmpi-far0 = 10.231.0.1/24, namespace side tsmpi-far1 = 10.231.0.2/24),
# with a private sshd inside it on 10.231.0.2:2222. Its link can be cut with
# cut-netns-link.sh (and brought back with restore-netns-link.sh) to make a node
# vanish in the middle of a job.
#
# Usage: start-netns-host.sh [STATE_DIR]      (default /tmp/tsmpi-infra/ssh)
# Client: ssh -F STATE_DIR/ssh_config 10.231.0.2 true
# The sshd reuses the host key, authorized keys and PATH of the loopback sshd of
# start-sshd.sh (run first if needed). Run as root. Safe to run again: keeps what
# is in place, brings a cut link back up, restarts the sshd only if its config changed.
set -euo pipefail

TAG=start-netns-host
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=netns-host-common.sh
. "$SCRIPT_DIR/netns-host-common.sh"

STATE_DIR=${1:-/tmp/tsmpi-infra/ssh}
SSHD=/usr/sbin/sshd

require_root
[[ -x $SSHD ]] || die "$SSHD not found: run test/infra/install-packages.sh first"
command -v ssh >/dev/null || die "ssh client not found: run test/infra/install-packages.sh first"
command -v ping >/dev/null || die "ping not found: run test/infra/install-packages.sh first (package iputils-ping)"

# --- 1. The loopback sshd's state (keys, configs): make it if missing. ---------
loopback_ready() {
  local f pid
  for f in sshd_config ssh_config authorized_keys ssh_host_ed25519_key id_ed25519; do
    [[ -s $STATE_DIR/$f ]] || return 1
  done
  [[ -s $STATE_DIR/sshd.pid ]] || return 1
  pid=$(<"$STATE_DIR/sshd.pid")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid"
}
if loopback_ready; then
  log "loopback sshd state found in $STATE_DIR"
else
  log "loopback sshd not set up/running in $STATE_DIR: running start-sshd.sh first"
  bash "$SCRIPT_DIR/start-sshd.sh" "$STATE_DIR" || die "start-sshd.sh $STATE_DIR failed"
fi
STATE_DIR=$(cd "$STATE_DIR" && pwd -P)
LOOP_CONFIG=$STATE_DIR/sshd_config
SSH_CONFIG=$STATE_DIR/ssh_config
FAR_CONFIG=$STATE_DIR/sshd-far.conf   # must not contain "sshd_config" (start-sshd.sh greps cmdlines for that)
FAR_PID_FILE=$STATE_DIR/sshd-far.pid
FAR_LOG=$STATE_DIR/sshd-far.log

# --- 2. Guard route first, so no later step can leak traffic off the machine. ---
ensure_guard_route

# Nothing else on the host may own addresses of the subnet.
conflict=$(ip -o -4 addr show | awk -v ifn="$HOST_IF" '$2 != ifn && $4 ~ /^10\.231\.0\./ {print $2" "$4}')
[[ -z $conflict ]] || die "another interface already has an address in $SUBNET: $conflict"
conflict=$(ip -4 route show table main match "$NS_ADDR" | grep -v -e '^default ' -e "dev $HOST_IF " -e "^blackhole $SUBNET " || true)
[[ -z $conflict ]] || die "the host already routes $NS_ADDR elsewhere: $conflict"

# --- 3. Namespace and veth pair. ----------------------------------------------
if ns_exists; then
  log "namespace $NS exists"
else
  ip netns add "$NS" || die "ip netns add $NS failed"
  log "created namespace $NS"
fi

veth_ok() {
  host_if_exists || return 1
  ip -d link show dev "$HOST_IF" | grep -qw veth || return 1
  ip -n "$NS" link show dev "$NS_IF" >/dev/null 2>&1 || return 1
  # The namespace side must be the peer of the host side.
  local peer_index
  peer_index=$(ip -o link show dev "$HOST_IF" | sed -n 's/^[0-9]*: [^@]*@if\([0-9]*\):.*/\1/p')
  [[ -n $peer_index && $(ip -n "$NS" -o link show dev "$NS_IF" | cut -d: -f1) == "$peer_index" ]]
}
if veth_ok; then
  log "veth pair $HOST_IF <-> $NS_IF (in $NS) exists"
else
  if host_if_exists; then
    log "removing inconsistent $HOST_IF"
    ip link del dev "$HOST_IF" || die "could not delete $HOST_IF"
  fi
  if ip -n "$NS" link show dev "$NS_IF" >/dev/null 2>&1; then
    log "removing stray $NS_IF in $NS"
    ip -n "$NS" link del dev "$NS_IF" || die "could not delete $NS_IF in $NS"
  fi
  if ip link show dev "$NS_IF" >/dev/null 2>&1; then
    log "removing stray $NS_IF in the host namespace"
    ip link del dev "$NS_IF" || die "could not delete $NS_IF"
  fi
  ip link add "$HOST_IF" type veth peer name "$NS_IF" netns "$NS" \
    || die "could not create veth pair $HOST_IF <-> $NS_IF"
  log "created veth pair $HOST_IF (host) <-> $NS_IF (namespace $NS)"
  veth_ok || die "veth pair $HOST_IF <-> $NS_IF is not as expected after creating it"
fi

# Addresses (only ours) and links up. 'replace' is a no-op when already in place.
set_only_addr() { # NETNS_OR_EMPTY DEV ADDR/LEN
  local ns=$1 dev=$2 want=$3 a
  local -a ipc=(ip); [[ -n $ns ]] && ipc=(ip -n "$ns")
  for a in $("${ipc[@]}" -o -4 addr show dev "$dev" | awk '{print $4}'); do
    if [[ $a != "$want" ]]; then
      "${ipc[@]}" addr del "$a" dev "$dev" && log "removed unexpected address $a from $dev"
    fi
  done
  "${ipc[@]}" addr replace "$want" dev "$dev" || die "could not set $want on $dev"
}
set_only_addr "" "$HOST_IF" "$HOST_ADDR/$PREFIX_LEN"
set_only_addr "$NS" "$NS_IF" "$NS_ADDR/$PREFIX_LEN"
ip -n "$NS" link set dev lo up || die "could not bring lo up in $NS"
ip -n "$NS" link set dev "$NS_IF" up || die "could not bring $NS_IF up in $NS"
was_up=$(ip -o link show dev "$HOST_IF" | grep -c '[<,]UP[,>]' || true)
ip link set dev "$HOST_IF" up || die "could not bring $HOST_IF up"
[[ $was_up -eq 1 ]] || log "brought $HOST_IF up"
log "addresses: $HOST_IF $HOST_ADDR/$PREFIX_LEN (host), $NS_IF $NS_ADDR/$PREFIX_LEN (namespace $NS); lo up in $NS"
# The namespace gets no default route: from inside, only $SUBNET and its own lo are reachable.

# --- 4. The namespace's sshd. -----------------------------------------------------
for key in HostKey AuthorizedKeysFile SetEnv; do
  grep -q "^$key " "$LOOP_CONFIG" || die "$LOOP_CONFIG has no $key line; re-run test/infra/start-sshd.sh"
done
NEW_CONFIG=$(
  printf '# Private sshd of the tsmpi far host (network namespace %s); written by test/infra/start-netns-host.sh\n' "$NS"
  printf '# from %s (same host key, authorized keys and PATH), plus its own address, pid file and keep-alives.\n' "$LOOP_CONFIG"
  printf 'Port %s\nListenAddress %s\nPidFile %s\n' "$FAR_PORT" "$NS_ADDR" "$FAR_PID_FILE"
  # A session whose client vanished is closed after ~6-8 s (3 unanswered probes, 2 s apart).
  printf 'ClientAliveInterval 2\nClientAliveCountMax 3\n'
  grep -v -E '^[[:space:]]*(#|$|Port[[:space:]]|ListenAddress[[:space:]]|PidFile[[:space:]]|ClientAlive)' "$LOOP_CONFIG"
)
config_changed=1
if [[ -f $FAR_CONFIG ]] && [[ $(cat "$FAR_CONFIG") == "$NEW_CONFIG" ]]; then config_changed=0; fi
printf '%s\n' "$NEW_CONFIG" >"$FAR_CONFIG"
"$SSHD" -t -f "$FAR_CONFIG" || die "sshd rejected $FAR_CONFIG"
log "wrote $FAR_CONFIG"

stop_pid() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do alive "$pid" || return 0; sleep 0.1; done
  die "sshd pid $pid did not exit"
}

if pid=$(far_sshd_pid "$FAR_PID_FILE" "$FAR_CONFIG"); then
  if [[ $config_changed -eq 1 ]]; then
    log "config changed: restarting the namespace sshd (pid $pid)"
    stop_pid "$pid"
  else
    log "namespace sshd already running (pid $pid) with this config"
  fi
elif [[ -s $FAR_PID_FILE ]]; then
  # Our sshd, but not in the current namespace (the namespace was re-created): replace it.
  old=$(<"$FAR_PID_FILE")
  if [[ $old =~ ^[0-9]+$ ]] && alive "$old" && [[ $(ps -o comm= -p "$old" 2>/dev/null) == sshd ]] \
     && grep -qF -- "$FAR_CONFIG" "/proc/$old/cmdline" 2>/dev/null; then
    log "stopping far sshd pid $old (it runs outside the current namespace $NS)"
    stop_pid "$old"
  fi
  rm -f "$FAR_PID_FILE"
fi

if ! far_sshd_pid "$FAR_PID_FILE" "$FAR_CONFIG" >/dev/null; then
  if ip netns exec "$NS" ss -Hltn "src $NS_ADDR:$FAR_PORT" | grep -q .; then
    die "$NS_ADDR:$FAR_PORT in $NS is already in use: $(ip netns exec "$NS" ss -Hltnp "src $NS_ADDR:$FAR_PORT" | head -1)"
  fi
  ip netns exec "$NS" "$SSHD" -f "$FAR_CONFIG" -E "$FAR_LOG" \
    || die "sshd failed to start in $NS; see $FAR_LOG: $(tail -3 "$FAR_LOG" 2>/dev/null)"
  for ((i = 0; i < 50; i++)); do far_sshd_pid "$FAR_PID_FILE" "$FAR_CONFIG" >/dev/null && break; sleep 0.1; done
  pid=$(far_sshd_pid "$FAR_PID_FILE" "$FAR_CONFIG") \
    || die "the namespace sshd did not write $FAR_PID_FILE; see $FAR_LOG: $(tail -3 "$FAR_LOG" 2>/dev/null)"
  log "started sshd pid $pid in namespace $NS on $NS_ADDR:$FAR_PORT (log $FAR_LOG)"
fi

# --- 5. Client config must cover the far host. ------------------------------------
covers() {
  local g
  g=$(ssh -G -F "$SSH_CONFIG" "$NS_ADDR" 2>/dev/null) || return 1
  grep -qx "port $FAR_PORT" <<<"$g" && grep -qxF "identityfile $STATE_DIR/id_ed25519" <<<"$g" \
    && grep -qx 'batchmode yes' <<<"$g" && grep -qx 'stricthostkeychecking false' <<<"$g"
}
if covers; then
  log "$SSH_CONFIG already covers $NS_ADDR"
else
  cat >>"$SSH_CONFIG" <<CONF
# Added by test/infra/start-netns-host.sh: the far host in network namespace $NS
Host $NS_ADDR
  Port $FAR_PORT
  IdentityFile $STATE_DIR/id_ed25519
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  BatchMode yes
  ConnectTimeout 5
CONF
  covers || die "$SSH_CONFIG still does not apply port $FAR_PORT and the test key to $NS_ADDR; check its Host/Match blocks"
  log "extended $SSH_CONFIG with a 'Host $NS_ADDR' block"
fi

# --- 6. Verify. --------------------------------------------------------------------
assert_contained_route "$NS_ADDR"
ip netns exec "$NS" ping -c1 -W1 "$HOST_ADDR" >/dev/null 2>&1 \
  || die "from inside $NS, $HOST_ADDR does not answer ping"
log "ok: ip netns exec $NS ping -c1 -W1 $HOST_ADDR"
ping -c1 -W1 "$NS_ADDR" >/dev/null 2>&1 || die "from the host, $NS_ADDR does not answer ping"
log "ok: ping -c1 -W1 $NS_ADDR"

out=$(ssh -F "$SSH_CONFIG" "$NS_ADDR" 'echo $SSH_CONNECTION; command -v node' </dev/null 2>&1) \
  || die "ssh to $NS_ADDR:$FAR_PORT failed: $out"
conn=$(sed -n 1p <<<"$out"); remote_node=$(sed -n 2p <<<"$out")
read -r client_addr _ server_addr server_port <<<"$conn"
[[ $client_addr == "$HOST_ADDR" && $server_addr == "$NS_ADDR" && $server_port == "$FAR_PORT" ]] \
  || die "ssh to $NS_ADDR: expected SSH_CONNECTION '$HOST_ADDR <port> $NS_ADDR $FAR_PORT', got '$conn'"
log "ok: ssh $NS_ADDR -> SSH_CONNECTION=$conn"
[[ -n $remote_node ]] || die "node not found in the PATH of a session on $NS_ADDR (got: $out)"
local_node=$(command -v node || true)
if [[ -n $local_node && $remote_node != "$local_node" ]]; then
  log "note: remote node is $remote_node, local node is $local_node"
fi
log "ok: remote 'command -v node' -> $remote_node"
log "ready: ssh -F $SSH_CONFIG $NS_ADDR true   (cut the link: test/infra/cut-netns-link.sh)"
