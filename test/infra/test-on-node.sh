#!/usr/bin/env bash
# Run test files on Node.js of another major version (installed beside the machine's own by
# install-node.sh), so that code paths that depend on the Node version (in-thread module hooks
# from 22.15, crypto and Buffer limits that change between versions) are tested where users run
# them. Ranks, agents and tsmpiexec started by the tests run on that Node too: the tests start
# them with process.execPath. Expects a built tree (npm run build).
#
#   bash test/infra/test-on-node.sh 24 test/unit/*.test.ts test/integration/*.test.ts
set -euo pipefail
cd "$(dirname "$0")/../.."

major=${1:?usage: bash test/infra/test-on-node.sh MAJOR TEST-FILE...}
shift
(($# > 0)) || { echo "[test-on-node] ERROR: name the test files to run" >&2; exit 2; }
bin=$(bash test/infra/install-node.sh "$major")
echo "[test-on-node] $("$bin/node" --version): $# test files"
PATH="$bin:$PATH" node --import tsx --test --test-concurrency=1 "$@"
