#!/usr/bin/env bash
# Start a real three-node Slurm cluster on this machine: munged, slurmctld and
# three slurmd (n1, n2, n3 on 127.0.0.11-13), then check srun and sbatch.
#
# Usage: start-slurm.sh [STATE_DIR]      (default /tmp/tsmpi-infra/slurm)
# Writes /etc/slurm/slurm.conf (an existing foreign one is backed up first) and
# adds n1..n3 to /etc/hosts if missing. Must run as root. Safe to run again:
# running daemons are kept unless slurm.conf changed.
set -euo pipefail

STATE_DIR=${1:-/tmp/tsmpi-infra/slurm}
CONF=/etc/slurm/slurm.conf
MARKER='# tsmpi test cluster; written by test/infra/start-slurm.sh'
NODES=(n1 n2 n3)
declare -A NODE_ADDR=([n1]=127.0.0.11 [n2]=127.0.0.12 [n3]=127.0.0.13)
declare -A NODE_PORT=([n1]=17001 [n2]=17002 [n3]=17003)
CTLD_PORT=6817
WAIT_NODES_S=30

log() { printf '[start-slurm] %s\n' "$*"; }
die() { printf '[start-slurm] ERROR: %s\n' "$*" >&2; exit 1; }
# A live process (zombies waiting to be reaped do not count).
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ -n $st && $st != Z* ]]; }
# Pids of live (non-zombie) processes named $1.
live_pids() { ps -eo pid=,stat=,comm= | awk -v c="$1" '$3 == c && $2 !~ /^Z/ {print $1}'; }

[[ $(id -u) -eq 0 ]] || die "must run as root (SlurmUser=root, munged, /etc/slurm)"
for b in slurmctld slurmd munged; do
  [[ -x /usr/sbin/$b ]] || die "/usr/sbin/$b not found: run test/infra/install-packages.sh first"
done
for b in srun sbatch sinfo scontrol munge unmunge unshare nsenter mount hostname getent; do
  command -v "$b" >/dev/null || die "$b not found: run test/infra/install-packages.sh first"
done

mkdir -p "$STATE_DIR"
STATE_DIR=$(cd "$STATE_DIR" && pwd -P)
HOST=$(hostname -s)
[[ -n $HOST ]] || die "hostname -s returned nothing"
CTLD_PID_FILE=$STATE_DIR/slurmctld.pid

# Is the daemon named $2 running with the pid in file $1? Prints the pid.
pid_from() {
  local file=$1 comm=$2 pid
  [[ -s $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  [[ $(ps -o comm= -p "$pid" 2>/dev/null) == "$comm" ]] || return 1
  echo "$pid"
}

# ---- /etc/hosts: n1..n3 on distinct loopback addresses ---------------------
for n in "${NODES[@]}"; do
  a=${NODE_ADDR[$n]}
  if awk -v a="$a" -v n="$n" '$1 == a { for (i = 2; i <= NF; i++) if ($i == n) f = 1 } END { exit !f }' /etc/hosts; then
    log "/etc/hosts already maps $n to $a"
  else
    printf '%s %s\n' "$a" "$n" >>/etc/hosts
    log "added '$a $n' to /etc/hosts"
  fi
  got=$(getent ahostsv4 "$n" | awk 'NR == 1 {print $1}')
  [[ $got == "$a" ]] || die "$n resolves to '$got', expected $a (check /etc/hosts)"
done
ctld_addr=$(getent ahostsv4 "$HOST" | awk 'NR == 1 {print $1}')
[[ -n $ctld_addr ]] || die "this hostname ($HOST) does not resolve; add '127.0.0.1 $HOST' to /etc/hosts"

# ---- munged (as the munge user) --------------------------------------------
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/log/munge
install -d -o munge -g munge -m 0711 /var/lib/munge
if [[ ! -s /etc/munge/munge.key ]]; then
  install -d -o munge -g munge -m 0700 /etc/munge
  runuser -u munge -- /usr/sbin/mungekey --create --keyfile=/etc/munge/munge.key
  log "created /etc/munge/munge.key"
fi
if munge_pid=$(pid_from /run/munge/munged.pid munged); then
  log "munged already running (pid $munge_pid)"
elif munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "munged already running (started elsewhere: $(pgrep -ax munged | head -1))"
else
  su -s /bin/sh munge -c /usr/sbin/munged || die "munged failed to start; see /var/log/munge/munged.log"
  for ((i = 0; i < 50; i++)); do munge_pid=$(pid_from /run/munge/munged.pid munged) && break; sleep 0.1; done
  [[ -n ${munge_pid:-} ]] || die "munged did not start; see /var/log/munge/munged.log"
  log "started munged as user munge (pid $munge_pid)"
fi
munge -n </dev/null | unmunge >/dev/null || die "munge credential round trip failed"
log "ok: munge -n | unmunge"

# ---- slurm.conf ---------------------------------------------------------------
NEW_CONF=$(
  cat <<CONF
$MARKER
# STATE_DIR=$STATE_DIR
ClusterName=tsmpi
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# Bind daemons to their own addresses (127.0.0.x), not to 0.0.0.0.
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
InactiveLimit=0
KillWait=5
MinJobAge=300
SlurmctldTimeout=60
SlurmdTimeout=60
StateSaveLocation=$STATE_DIR/state
SlurmctldPidFile=$CTLD_PID_FILE
SlurmctldLogFile=$STATE_DIR/slurmctld.log
# One slurmd per node name on this machine (slurmd -N nX): per-node files.
SlurmdSpoolDir=/var/spool/slurmd/%n
SlurmdPidFile=/run/slurmd-%n.pid
SlurmdLogFile=/var/log/slurm/slurmd-%n.log
CONF
  for n in "${NODES[@]}"; do
    printf 'NodeName=%s NodeHostname=%s NodeAddr=%s Port=%s CPUs=2 State=UNKNOWN\n' \
      "$n" "$HOST" "${NODE_ADDR[$n]}" "${NODE_PORT[$n]}"
  done
  echo 'PartitionName=debug Nodes=ALL Default=YES OverSubscribe=YES MaxTime=INFINITE State=UP'
)

conf_changed=1
if [[ -f $CONF ]] && [[ $(cat "$CONF") == "$NEW_CONF" ]]; then
  conf_changed=0
  log "$CONF is up to date"
else
  # Daemons started from the old file must go before it is replaced (the old
  # file names the old slurmctld pid file, which stop-slurm.sh also reads).
  any_running=0
  pid_from "$CTLD_PID_FILE" slurmctld >/dev/null && any_running=1
  [[ -n $(live_pids slurmctld) ]] && any_running=1
  for n in "${NODES[@]}"; do pid_from "/run/slurmd-$n.pid" slurmd >/dev/null && any_running=1; done
  if [[ $any_running -eq 1 ]]; then
    log "slurm.conf changes: stopping the running Slurm daemons first"
    bash "$(dirname "${BASH_SOURCE[0]}")/stop-slurm.sh" "$STATE_DIR"
  fi
  mkdir -p /etc/slurm
  if [[ -f $CONF ]] && ! head -1 "$CONF" | grep -qF "$MARKER"; then
    backup=$CONF.tsmpi-backup.$(date +%Y%m%d%H%M%S)
    cp -p "$CONF" "$backup"
    log "backed up existing $CONF to $backup"
  fi
  printf '%s\n' "$NEW_CONF" >"$CONF.tmp.$$"
  chmod 644 "$CONF.tmp.$$"
  mv -f "$CONF.tmp.$$" "$CONF"
  log "wrote $CONF"
fi

mkdir -p "$STATE_DIR/state" /var/log/slurm
for n in "${NODES[@]}"; do mkdir -p "/var/spool/slurmd/$n"; done

# ---- daemons ------------------------------------------------------------------
check_port_free() {  # address port what
  if command -v ss >/dev/null && ss -Hltn "sport = :$2" | grep -q .; then
    die "port $2 needed by $3 is already in use: $(ss -Hltnp "sport = :$2" | head -1)"
  fi
}

# ---- slurmd in its own namespaces -----------------------------------------------
# CommunicationParameters=NoInAddrAny makes every Slurm daemon and client bind
# to the address its gethostname() resolves to, instead of 0.0.0.0. So each
# slurmd runs in a private UTS namespace whose hostname is its node name (n1 ->
# 127.0.0.11, listening on 127.0.0.11:17001 only). Tasks must NOT inherit that
# hostname: an srun inside a batch job would then listen on 127.0.0.11 while its
# connections come from 127.0.0.1, and slurmstepd could not connect back. So
# slurmd also gets a private mount namespace in which slurmd's fixed path
# /usr/sbin/slurmstepd runs a wrapper that re-enters the host's UTS and mount
# namespaces (those of slurmctld) before executing the real slurmstepd. Tasks thus
# see the real hostname, as the notes describe.
STEPD_REAL=$(readlink -f /usr/sbin/slurmstepd)
[[ -x $STEPD_REAL ]] || die "/usr/sbin/slurmstepd not found"
STEPD_WRAPPER=/var/spool/slurmd/tsmpi-slurmstepd-wrapper
mkdir -p /var/spool/slurmd
# The host namespaces are those of slurmctld (started by this script, never in
# a private namespace). PID 1's are not always readable (they are not here).
new_wrapper="#!/bin/sh
# Written by tsmpi test/infra/start-slurm.sh. Bind-mounted over the real
# slurmstepd inside each slurmd mount namespace: run slurmstepd (and so the
# job tasks) in the UTS and mount namespaces of slurmctld, i.e. the host's,
# where the hostname is the real one.
ctld=\$(cat '$CTLD_PID_FILE') || exit 1
exec nsenter --target \"\$ctld\" --uts --mount --wd=\"\$(pwd)\" -- /usr/sbin/slurmstepd \"\$@\""
if [[ ! -f $STEPD_WRAPPER ]] || [[ $(cat "$STEPD_WRAPPER") != "$new_wrapper" ]]; then
  printf '%s\n' "$new_wrapper" >"$STEPD_WRAPPER"
  log "wrote $STEPD_WRAPPER"
fi
chmod 755 "$STEPD_WRAPPER"

if pid=$(pid_from "$CTLD_PID_FILE" slurmctld); then
  log "slurmctld already running (pid $pid)"
else
  rm -f "$CTLD_PID_FILE"
  check_port_free 127.0.0.1 "$CTLD_PORT" slurmctld
  /usr/sbin/slurmctld </dev/null >>"$STATE_DIR/daemons.out" 2>&1 \
    || die "slurmctld failed to start; see $STATE_DIR/slurmctld.log: $(tail -3 "$STATE_DIR/slurmctld.log" 2>/dev/null)"
  for ((i = 0; i < 50; i++)); do pid=$(pid_from "$CTLD_PID_FILE" slurmctld) && break; sleep 0.1; done
  pid_from "$CTLD_PID_FILE" slurmctld >/dev/null \
    || die "slurmctld did not start; see $STATE_DIR/slurmctld.log: $(tail -3 "$STATE_DIR/slurmctld.log" 2>/dev/null)"
  log "started slurmctld pid $pid (log $STATE_DIR/slurmctld.log)"
fi
ctld_pid=$(pid_from "$CTLD_PID_FILE" slurmctld) || die "slurmctld is not running"
for ns in uts mnt; do
  [[ $(readlink "/proc/$ctld_pid/ns/$ns") == "$(readlink "/proc/self/ns/$ns")" ]] \
    || die "slurmctld (pid $ctld_pid) is not in this shell's $ns namespace; stop it (stop-slurm.sh) and retry"
done
for ((i = 0; i < 50; i++)); do scontrol ping >/dev/null 2>&1 && break; sleep 0.2; done
scontrol ping 2>/dev/null | grep -q UP || die "slurmctld does not answer 'scontrol ping'; see $STATE_DIR/slurmctld.log"

for n in "${NODES[@]}"; do
  pf=/run/slurmd-$n.pid
  if pid=$(pid_from "$pf" slurmd); then
    if [[ $(readlink "/proc/$pid/ns/mnt") != "$(readlink /proc/self/ns/mnt)" ]]; then
      log "slurmd -N $n already running (pid $pid)"
      continue
    fi
    log "slurmd -N $n (pid $pid) runs in the host namespaces (old setup): restarting it"
    kill "$pid"
    for ((i = 0; i < 100; i++)); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then die "slurmd -N $n (pid $pid) did not stop"; fi
  fi
  rm -f "$pf"
  check_port_free "${NODE_ADDR[$n]}" "${NODE_PORT[$n]}" "slurmd $n"
  # See "slurmd in its own namespaces" above.
  unshare --uts --mount --propagation slave /bin/sh -c \
    'hostname "$1" && mount --bind "$2" "$3" && exec /usr/sbin/slurmd -N "$1"' \
    sh "$n" "$STEPD_WRAPPER" "$STEPD_REAL" \
    </dev/null >>"$STATE_DIR/daemons.out" 2>&1 \
    || die "slurmd -N $n failed to start; see /var/log/slurm/slurmd-$n.log: $(tail -3 "/var/log/slurm/slurmd-$n.log" 2>/dev/null)"
  for ((i = 0; i < 50; i++)); do pid=$(pid_from "$pf" slurmd) && break; sleep 0.1; done
  pid_from "$pf" slurmd >/dev/null \
    || die "slurmd -N $n did not start; see /var/log/slurm/slurmd-$n.log: $(tail -3 "/var/log/slurm/slurmd-$n.log" 2>/dev/null)"
  log "started slurmd -N $n pid $pid on ${NODE_ADDR[$n]}:${NODE_PORT[$n]} (log /var/log/slurm/slurmd-$n.log)"
done

# ---- wait for n1..n3 to be idle --------------------------------------------------
start_wait=$SECONDS
deadline=$((SECONDS + WAIT_NODES_S))
stuck_after=$((SECONDS + 8))
resumed=0
unstuck=0
while :; do
  states=$(sinfo -h -N -p debug -o '%N %t' 2>/dev/null | sort -u || true)
  idle=$(awk '$2 == "idle" {c++} END {print c + 0}' <<<"$states")
  [[ $idle -eq ${#NODES[@]} ]] && break
  # Nodes left down/drained by an earlier unclean stop: resume them once.
  if [[ $resumed -eq 0 ]] && grep -qE ' (down|drain|drng|drained)' <<<"$states"; then
    bad=$(awk '$2 ~ /^(down|drain|drng|drained)/ {print $1}' <<<"$states" | paste -sd,)
    log "resuming nodes $bad (states: $(tr '\n' ' ' <<<"$states"))"
    scontrol update NodeName="$bad" State=RESUME || true
    resumed=1
  fi
  # A node stuck "completing" a job whose slurmd was killed: force it down and
  # back up once (only completing jobs are on such a node).
  if [[ $unstuck -eq 0 ]] && ((SECONDS >= stuck_after)) && grep -qE ' comp$' <<<"$states"; then
    stuck=$(awk '$2 == "comp" {print $1}' <<<"$states" | paste -sd,)
    log "nodes $stuck still completing after $((SECONDS - start_wait)) s: setting them DOWN then RESUME"
    scontrol update NodeName="$stuck" State=DOWN Reason=tsmpi-infra-unstick || true
    scontrol update NodeName="$stuck" State=RESUME || true
    unstuck=1
  fi
  if ((SECONDS >= deadline)); then
    die "nodes not all idle after ${WAIT_NODES_S}s: $(tr '\n' ' ' <<<"$states") (logs: $STATE_DIR/slurmctld.log, /var/log/slurm/slurmd-n*.log)"
  fi
  sleep 0.5
done
log "sinfo: $(sinfo -h -o '%P %a %D %t %N' | tr '\n' ' ')"

# ---- check srun: two tasks on each node -------------------------------------------
out=$(timeout 25 srun --immediate=15 -N3 -n6 bash -c 'echo $SLURMD_NODENAME $SLURM_PROCID' </dev/null 2>&1) \
  || die "srun -N3 -n6 failed: $out"
per_node=$(awk '{c[$1]++} END {for (n in c) print n, c[n]}' <<<"$out" | sort | tr '\n' ' ')
[[ $per_node == "n1 2 n2 2 n3 2 " ]] || die "srun -N3 -n6: expected two tasks on each of n1 n2 n3, got: $(tr '\n' ';' <<<"$out")"
[[ $(awk '{print $2}' <<<"$out" | sort -n | tr '\n' ' ') == "0 1 2 3 4 5 " ]] \
  || die "srun -N3 -n6: expected SLURM_PROCID 0..5, got: $(tr '\n' ';' <<<"$out")"
log "ok: srun -N3 -n6 -> $(sort -k2n <<<"$out" | tr '\n' ';')"

# ---- check sbatch: the batch step sees a 3-node, 2-tasks-per-node allocation ------
check=$STATE_DIR/check.out
rm -f "$check"
sb=$(cd "$STATE_DIR" && timeout 30 sbatch --wait -N3 --ntasks-per-node=2 -J tsmpi-infra-check \
       -o "$check" --wrap 'env | grep ^SLURM_ | sort' </dev/null 2>&1) \
  || die "sbatch --wait failed: $sb $(cat "$check" 2>/dev/null)"
log "sbatch: $sb"
grep -qx 'SLURM_JOB_NODELIST=n\[1-3\]' "$check" || die "sbatch: SLURM_JOB_NODELIST is not n[1-3] in $check"
grep -qx 'SLURM_TASKS_PER_NODE=2(x3)' "$check" || die "sbatch: SLURM_TASKS_PER_NODE is not 2(x3) in $check"
grep -E '^SLURM_(JOB_NODELIST|TASKS_PER_NODE|NTASKS|JOB_CPUS_PER_NODE|NNODES)=' "$check" \
  | sed 's/^/[start-slurm]   /'
log "ok: sbatch --wait -N3 --ntasks-per-node=2 (full env in $check)"

# ---- check srun inside a batch job (the way a launcher uses Slurm) ----------------
nested=$STATE_DIR/check-nested.out
rm -f "$nested"
sb=$(cd "$STATE_DIR" && timeout 30 sbatch --wait -N3 --ntasks-per-node=2 -J tsmpi-infra-check-srun \
       -o "$nested" --wrap 'srun bash -c "echo \$SLURMD_NODENAME \$SLURM_PROCID \$(hostname)"' </dev/null 2>&1) \
  || die "sbatch --wait with an inner srun failed: $sb $(cat "$nested" 2>/dev/null)"
per_node=$(awk '{c[$1]++} END {for (n in c) print n, c[n]}' "$nested" | sort | tr '\n' ' ')
[[ $per_node == "n1 2 n2 2 n3 2 " ]] \
  || die "srun inside sbatch: expected two tasks on each of n1 n2 n3, got: $(tr '\n' ';' <"$nested")"
log "ok: srun inside sbatch -> $(sort -k2n "$nested" | tr '\n' ';')"
log "ready: cluster tsmpi, partition debug, nodes n[1-3] (${NODE_ADDR[n1]}-${NODE_ADDR[n3]##*.}), slurm.conf $CONF"
