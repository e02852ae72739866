#!/usr/bin/env bash
# Install Node.js of one major version beside the machine's own, for running the tests on a Node
# other than the one on PATH, and print its bin directory (the only line on stdout). The build
# comes from the npm registry's node-linux-<arch> package, which carries the nodejs.org binaries:
# the npm registry is reachable wherever `npm ci` is. Safe to run again: an installed version is
# reused.
#
#   PATH="$(bash test/infra/install-node.sh 24):$PATH" node --version
set -euo pipefail

log() { printf '[install-node] %s\n' "$*" >&2; }
die() { printf '[install-node] ERROR: %s\n' "$*" >&2; exit 1; }

major=${1:-}
[[ $major =~ ^[0-9]+$ ]] || die "usage: bash $0 MAJOR (a Node major version such as 24), not '${major}'"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) die "no Node build is published on npm for $(uname -m)" ;;
esac

dir="${TSMPI_NODE_DIR:-/tmp/tsmpi-infra/node}/node-$major"
if [[ -x $dir/bin/node && $("$dir/bin/node" --version) == v$major.* ]]; then
  log "Node $("$dir/bin/node" --version) already in $dir"
  echo "$dir/bin"
  exit 0
fi

download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
log "fetching node-linux-$arch@$major from the npm registry"
tarball=$(cd "$download" && npm pack --silent "node-linux-$arch@$major" | tail -n 1) ||
  die "npm could not fetch node-linux-$arch@$major"
rm -rf "$dir"
mkdir -p "$dir"
tar -xzf "$download/$tarball" -C "$dir" --strip-components=1
version=$("$dir/bin/node" --version) || die "the Node in $dir does not run"
[[ $version == v$major.* ]] || die "node-linux-$arch@$major holds Node $version"
log "Node $version in $dir"
echo "$dir/bin"
