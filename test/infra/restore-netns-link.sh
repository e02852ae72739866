#!/usr/bin/env bash
# Bring the far host's link back: 'ip link set tsmpi-far0 up', so traffic between the
# host and 10.231.0.2 resumes. (TCP connections that outlived the cut may resume too;
# ssh sessions that timed out meanwhile are gone.)
#
# Usage: restore-netns-link.sh        (run as root, after start-netns-host.sh)
# Safe to run again.
set -euo pipefail

TAG=restore-netns-link
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=netns-host-common.sh
. "$SCRIPT_DIR/netns-host-common.sh"

require_far_host

if ip -o link show dev "$HOST_IF" | grep -q '[<,]UP[,>]'; then
  log "$HOST_IF is already up"
else
  ip link set dev "$HOST_IF" up || die "ip link set $HOST_IF up failed"
  log "ip link set $HOST_IF up"
fi

# The veth needs a moment to report carrier; ping for up to ~5 s.
assert_contained_route "$NS_ADDR"
ok=0
for ((i = 0; i < 5; i++)); do
  if ping -c1 -W1 "$NS_ADDR" >/dev/null 2>&1; then ok=1; break; fi
done
[[ $ok -eq 1 ]] || die "$NS_ADDR does not answer ping after $HOST_IF came up (route: $(ip -4 route get "$NS_ADDR" 2>&1))"
log "ok: ping -c1 -W1 $NS_ADDR succeeds from the host"
ip netns exec "$NS" ping -c1 -W1 "$HOST_ADDR" >/dev/null 2>&1 \
  || die "$HOST_ADDR does not answer ping from inside $NS"
log "ok: ping -c1 -W1 $HOST_ADDR succeeds from inside $NS"
log "link restored"
