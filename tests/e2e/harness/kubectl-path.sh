#!/usr/bin/env bash
# Prints the path of the toolchain's kubectl (the cluster's own version), or fails.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=/dev/null
. "$repo/tools/toolchain/lib.sh"
# shellcheck source=/dev/null
. "$repo/tools/toolchain/components/kubernetes.sh"
kubectl="$(entry_dir kubernetes "$(component_version)")/bin/kubectl"
[ -x "$kubectl" ] || { echo "no kubectl at $kubectl: run tools/cluster/cluster.sh up" >&2; exit 1; }
printf '%s\n' "$kubectl"
