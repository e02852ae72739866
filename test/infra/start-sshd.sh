#!/usr/bin/env bash
# Start a private sshd (not the system one) on port 2222 of 127.0.0.2-127.0.0.5,
# so tests can reach four distinct "hosts" over ssh on this machine.
#
# Usage: start-sshd.sh [STATE_DIR]      (default /tmp/tsmpi-infra/ssh)
# Client: ssh -F STATE_DIR/ssh_config 127.0.0.3 true
# Safe to run again: reuses the keys, restarts sshd only if its config changed.
set -euo pipefail

STATE_DIR=${1:-/tmp/tsmpi-infra/ssh}
PORT=2222
ADDRS=(127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5)
SSHD=/usr/sbin/sshd

log() { printf '[start-sshd] %s\n' "$*"; }
die() { printf '[start-sshd] ERROR: %s\n' "$*" >&2; exit 1; }
# A live process (zombies waiting to be reaped do not count).
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ -n $st && $st != Z* ]]; }

[[ -x $SSHD ]] || die "$SSHD not found: run test/infra/install-packages.sh first"
command -v ssh >/dev/null || die "ssh client not found: run test/infra/install-packages.sh first"
command -v ssh-keygen >/dev/null || die "ssh-keygen not found"

mkdir -p "$STATE_DIR"
STATE_DIR=$(cd "$STATE_DIR" && pwd -P)
chmod 700 "$STATE_DIR"

HOST_KEY=$STATE_DIR/ssh_host_ed25519_key
CLIENT_KEY=$STATE_DIR/id_ed25519
AUTH_KEYS=$STATE_DIR/authorized_keys
SSHD_CONFIG=$STATE_DIR/sshd_config
SSH_CONFIG=$STATE_DIR/ssh_config
PID_FILE=$STATE_DIR/sshd.pid
LOG_FILE=$STATE_DIR/sshd.log

# sshd's privilege-separation directory.
if [[ ! -d /run/sshd ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    mkdir -p /run/sshd && chmod 755 /run/sshd
    log "created /run/sshd"
  else
    die "/run/sshd is missing and only root can create it"
  fi
fi

# Remote sessions must find node: put its directory first on the session PATH.
NODE_BIN=$(command -v node || true)
[[ -n $NODE_BIN ]] || die "node not found on PATH; the remote session PATH must contain it"
NODE_DIR=$(cd "$(dirname "$NODE_BIN")" && pwd)
REMOTE_PATH=$NODE_DIR
for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
  [[ :$REMOTE_PATH: == *:$d:* ]] || REMOTE_PATH+=:$d
done

# Throwaway keys (kept across runs so known clients stay valid).
if [[ ! -s $HOST_KEY ]]; then
  rm -f "$HOST_KEY" "$HOST_KEY.pub"
  ssh-keygen -q -t ed25519 -N '' -C tsmpi-test-host -f "$HOST_KEY"
  log "generated host key $HOST_KEY"
else
  log "reusing host key $HOST_KEY"
fi
if [[ ! -s $CLIENT_KEY || ! -s $CLIENT_KEY.pub ]]; then
  rm -f "$CLIENT_KEY" "$CLIENT_KEY.pub"
  ssh-keygen -q -t ed25519 -N '' -C tsmpi-test-client -f "$CLIENT_KEY"
  log "generated client key $CLIENT_KEY"
else
  log "reusing client key $CLIENT_KEY"
fi
chmod 600 "$HOST_KEY" "$CLIENT_KEY"
cp "$CLIENT_KEY.pub" "$AUTH_KEYS"
chmod 600 "$AUTH_KEYS"

# sshd config (rewritten each run; sshd is restarted only if it changed).
NEW_CONFIG=$(
  printf '# Private sshd for tsmpi tests; written by test/infra/start-sshd.sh\n'
  printf 'Port %s\n' "$PORT"
  for a in "${ADDRS[@]}"; do printf 'ListenAddress %s\n' "$a"; done
  cat <<CONF
HostKey $HOST_KEY
PidFile $PID_FILE
AuthorizedKeysFile $AUTH_KEYS
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
MaxStartups 100
MaxSessions 100
X11Forwarding no
PrintMotd no
PrintLastLog no
UseDNS no
LogLevel INFO
SetEnv PATH=$REMOTE_PATH
CONF
)
config_changed=1
if [[ -f $SSHD_CONFIG ]] && [[ $(cat "$SSHD_CONFIG") == "$NEW_CONFIG" ]]; then
  config_changed=0
fi
printf '%s\n' "$NEW_CONFIG" >"$SSHD_CONFIG"
"$SSHD" -t -f "$SSHD_CONFIG" || die "sshd rejected $SSHD_CONFIG"

cat >"$SSH_CONFIG" <<CONF
# Client config for the private tsmpi test sshd; written by test/infra/start-sshd.sh
# Usage: ssh -F $SSH_CONFIG 127.0.0.3 true
Host *
  Port $PORT
  IdentityFile $CLIENT_KEY
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  BatchMode yes
  ConnectTimeout 5
CONF
chmod 644 "$SSH_CONFIG"
log "wrote $SSHD_CONFIG and $SSH_CONFIG"

running_pid() {
  local pid
  [[ -s $PID_FILE ]] || return 1
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  [[ $(ps -o comm= -p "$pid" 2>/dev/null) == sshd ]] || return 1
  grep -qF -- "$SSHD_CONFIG" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

stop_running() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do alive "$pid" || return 0; sleep 0.1; done
  die "sshd pid $pid did not exit"
}

if pid=$(running_pid); then
  if [[ $config_changed -eq 1 ]]; then
    log "config changed: restarting sshd (pid $pid)"
    stop_running "$pid"
  else
    log "sshd already running (pid $pid) with this config"
  fi
else
  rm -f "$PID_FILE"
fi

if ! running_pid >/dev/null; then
  # Refuse to start if someone else holds the port on one of our addresses.
  if command -v ss >/dev/null; then
    for a in "${ADDRS[@]}"; do
      if ss -Hltn "src $a:$PORT" | grep -q .; then
        die "$a:$PORT is already in use by another process: $(ss -Hltnp "src $a:$PORT" | head -1)"
      fi
    done
  fi
  "$SSHD" -f "$SSHD_CONFIG" -E "$LOG_FILE" \
    || die "sshd failed to start; see $LOG_FILE: $(tail -3 "$LOG_FILE" 2>/dev/null)"
  for ((i = 0; i < 50; i++)); do running_pid >/dev/null && break; sleep 0.1; done
  pid=$(running_pid) || die "sshd did not write $PID_FILE; see $LOG_FILE: $(tail -3 "$LOG_FILE" 2>/dev/null)"
  log "started sshd pid $pid (log $LOG_FILE)"
fi

# Verify: each address answers, and SSH_CONNECTION names the dialled address.
for a in "${ADDRS[@]}"; do
  out=$(ssh -F "$SSH_CONFIG" "$a" 'echo $SSH_CONNECTION' </dev/null 2>&1) \
    || die "ssh to $a:$PORT failed: $out"
  read -r _ _ server_addr server_port <<<"$out"
  [[ $server_addr == "$a" && $server_port == "$PORT" ]] \
    || die "ssh to $a: expected SSH_CONNECTION to end with '$a $PORT', got '$out'"
  log "ok: ssh $a -> SSH_CONNECTION=$out"
done
remote_node=$(ssh -F "$SSH_CONFIG" "${ADDRS[0]}" 'command -v node' </dev/null 2>&1) \
  || die "node not found in the remote session PATH (got: $remote_node)"
[[ $(dirname "$remote_node") == "$NODE_DIR" || $remote_node == "$NODE_BIN" ]] \
  || die "remote 'command -v node' gave $remote_node, expected $NODE_BIN"
log "ok: remote 'command -v node' -> $remote_node"
log "ready: ssh -F $SSH_CONFIG ${ADDRS[1]} true"
