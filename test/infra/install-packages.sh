#!/usr/bin/env bash
# Install the Debian packages the multi-node tests need (ssh "hosts" on loopback,
# a three-node Slurm cluster) and the benchmark smoke test's Open MPI column. Run as root. Safe to run again: does nothing when
# everything is already installed.
set -euo pipefail

log() { printf '[install-packages] %s\n' "$*"; }
die() { printf '[install-packages] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (try: sudo bash $0)"
command -v apt-get >/dev/null || die "apt-get not found: this script needs Debian/Ubuntu"

export DEBIAN_FRONTEND=noninteractive
export NEEDRESTART_MODE=a

PACKAGES=(
  openssh-server openssh-client   # private sshd + ssh client
  slurm-wlm munge                 # slurmctld, slurmd, srun/sbatch/sinfo, munged
  iproute2 procps                 # ip, ss, pgrep/ps
  hostname util-linux mount       # hostname; unshare, nsenter, mount (start-slurm.sh)
  iputils-ping                    # ping (start-netns-host.sh, cut/restore-netns-link.sh)
  openmpi-bin libopenmpi-dev      # the Open MPI column of the benchmarks (mpirun, mpicc)
  gcc libc6-dev python3-mpi4py    # mpicc's compiler; mpi4py for the start-up comparison
  tcpdump                         # capture loopback traffic (job-isolation: --encrypt hides the bytes)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true) != installed ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  log "all packages already installed: ${PACKAGES[*]}"
  exit 0
fi
log "missing packages: ${missing[*]}"

# Remember which daemon packages were absent, to disable the boot-time units
# their maintainer scripts enable (only for packages this run installs).
declare -A UNIT_OF=([openssh-server]=ssh.service [munge]=munge.service
                    [slurmd]=slurmd.service [slurmctld]=slurmctld.service)
new_daemons=()
for p in "${!UNIT_OF[@]}"; do
  if [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true) != installed ]]; then
    new_daemons+=("$p")
  fi
done

# apt-get update only if a package has no install candidate (empty/old lists).
need_update=0
for p in "${missing[@]}"; do
  cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [[ -z $cand || $cand == "(none)" ]]; then need_update=1; break; fi
done
if [[ $need_update -eq 1 ]]; then
  log "running apt-get update (package lists lack a candidate)"
  apt-get update -q || die "apt-get update failed"
else
  log "package lists already have candidates; skipping apt-get update"
fi

# Keep package maintainer scripts from starting the system sshd (port 22 on all
# interfaces), munged, slurmctld or slurmd: the test scripts start private ones.
# A policy-rc.d that refuses service starts is installed only for the duration
# of the install, and only if none exists already.
policy=/usr/sbin/policy-rc.d
created_policy=0
cleanup() { if [[ $created_policy -eq 1 ]]; then rm -f "$policy"; fi; }
trap cleanup EXIT
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# temporary, from tsmpi test/infra/install-packages.sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created_policy=1
fi

log "installing: ${missing[*]}"
start=$SECONDS
if ! apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" </dev/null; then
  log "install failed; retrying once after apt-get update"
  apt-get update -q || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" </dev/null || die "apt-get install failed for: ${missing[*]}"
fi
log "installed in $((SECONDS - start)) s"

# The test scripts start private daemons by hand; don't leave the system ones
# enabled at boot (the system sshd would listen on port 22 of every interface).
if command -v systemctl >/dev/null; then
  for p in "${new_daemons[@]}"; do
    u=${UNIT_OF[$p]}
    if systemctl disable "$u" >/dev/null 2>&1; then
      log "disabled boot-time unit $u (installed just now by $p)"
    else
      log "warning: could not disable $u"
    fi
  done
fi

for p in "${PACKAGES[@]}"; do
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true) == installed ]] \
    || die "package $p is still not installed"
done
for b in sshd ssh ssh-keygen slurmctld slurmd srun sbatch sinfo munged unshare nsenter ss mpicc mpirun; do
  command -v "$b" >/dev/null || [[ -x /usr/sbin/$b ]] || die "binary $b not found after install"
done
log "done: ${PACKAGES[*]}"
