# Shared by start-netns-host.sh, stop-netns-host.sh, cut-netns-link.sh and
# restore-netns-link.sh (sourced, not run). Names, addresses and safety checks of
# the "far host": network namespace tsmpi-far behind a veth pair.
#
# The caller sets TAG (log prefix) before sourcing.

NS=tsmpi-far
HOST_IF=tsmpi-far0          # host side of the veth pair
NS_IF=tsmpi-far1            # namespace side
HOST_ADDR=10.231.0.1
NS_ADDR=10.231.0.2
PREFIX_LEN=24
SUBNET=10.231.0.0/24
FAR_PORT=2222
# While the link is down the kernel drops the connected route of SUBNET; without a
# fallback, packets for 10.231.0.2 (ssh keep-alives, ping) would follow the default
# route out of the machine. This blackhole route (higher metric than the connected
# route, so unused while the link is up) keeps them on the machine.
GUARD_METRIC=4242

log() { printf '[%s] %s\n' "$TAG" "$*"; }
die() { printf '[%s] ERROR: %s\n' "$TAG" "$*" >&2; exit 1; }
# A live process (zombies waiting to be reaped do not count).
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ -n $st && $st != Z* ]]; }

require_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces and veth links need it)"
  command -v ip >/dev/null || die "ip not found: run test/infra/install-packages.sh first"
}

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$NS"; }
host_if_exists() { ip link show dev "$HOST_IF" >/dev/null 2>&1; }

guard_route_present() {
  ip -4 route show table main exact "$SUBNET" type blackhole 2>/dev/null | grep -q "metric $GUARD_METRIC"
}

ensure_guard_route() {
  if guard_route_present; then return 0; fi
  ip route replace blackhole "$SUBNET" metric "$GUARD_METRIC" \
    || die "could not add the guard route 'blackhole $SUBNET metric $GUARD_METRIC'"
  log "added guard route: blackhole $SUBNET metric $GUARD_METRIC (keeps traffic for $SUBNET on this machine while $HOST_IF is down)"
}

# Refuses (dies) unless traffic from the host to ADDR would go to the veth or be
# dropped locally: never out of another interface.
assert_contained_route() {
  local addr=$1 route
  route=$(ip -4 route get "$addr" 2>&1) || true
  case $route in
    blackhole*|unreachable*|prohibit*|*"dev $HOST_IF "*|"local $addr "*|*"Network is unreachable"*|*"No route to host"*|*"Invalid argument"*) return 0 ;;
  esac
  die "refusing to send traffic to $addr: the host would route it elsewhere ($route)"
}

# What cut-netns-link.sh and restore-netns-link.sh need before touching the link: root, ping,
# the namespace and the host side of the veth, and the blackhole route that keeps traffic for
# the far host on this machine while the link is down.
require_far_host() {
  require_root
  command -v ping >/dev/null || die "ping not found: run test/infra/install-packages.sh first (package iputils-ping)"
  ns_exists || die "namespace $NS does not exist: run test/infra/start-netns-host.sh first"
  host_if_exists || die "$HOST_IF does not exist: run test/infra/start-netns-host.sh first"
  ensure_guard_route
}

# far_sshd_pid PID_FILE CONFIG: prints the pid in PID_FILE if it is the namespace's sshd, running
# from CONFIG inside namespace NS; else fails.
far_sshd_pid() {
  local pid_file=$1 config=$2 pid ns_ino
  [[ -s $pid_file ]] || return 1
  pid=$(<"$pid_file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  [[ $(ps -o comm= -p "$pid" 2>/dev/null) == sshd ]] || return 1
  grep -qF -- "$config" "/proc/$pid/cmdline" 2>/dev/null || return 1
  ns_exists || return 1
  ns_ino=$(stat -L -c %i "/run/netns/$NS" 2>/dev/null) || return 1
  [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "net:[$ns_ino]" ]] || return 1
  echo "$pid"
}
