#!/usr/bin/env bash
# Cut the far host's link: 'ip link set tsmpi-far0 down' (host side of the veth), so
# traffic between the host and 10.231.0.2 stops (nothing is reset: open TCP
# connections just stop getting answers, as with a pulled cable). Processes inside
# the namespace keep running. Undo with restore-netns-link.sh.
#
# Usage: cut-netns-link.sh        (run as root, after start-netns-host.sh)
# Safe to run again.
set -euo pipefail

TAG=cut-netns-link
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=netns-host-common.sh
. "$SCRIPT_DIR/netns-host-common.sh"

require_far_host

if ip -o link show dev "$HOST_IF" | grep -q '[<,]UP[,>]'; then
  ip link set dev "$HOST_IF" down || die "ip link set $HOST_IF down failed"
  log "ip link set $HOST_IF down"
else
  log "$HOST_IF is already down"
fi

assert_contained_route "$NS_ADDR"
if ping -c1 -W1 "$NS_ADDR" >/dev/null 2>&1; then
  die "$NS_ADDR still answers ping after $HOST_IF went down"
fi
log "ok: ping -c1 -W1 $NS_ADDR fails from the host"
if ip netns exec "$NS" ping -c1 -W1 "$HOST_ADDR" >/dev/null 2>&1; then
  die "$HOST_ADDR still answers ping from inside $NS"
fi
log "ok: ping -c1 -W1 $HOST_ADDR fails from inside $NS"
log "link cut (restore: test/infra/restore-netns-link.sh)"
