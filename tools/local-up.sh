#!/usr/bin/env bash
# Deploy the repository's stack program (stack `local`, Pulumi.local.yaml) for real on this
# machine: build or reuse the toolchain cache (Pulumi CLI, language hosts, providers, Node 22,
# the cluster's binaries and images), start the local cluster when none runs, make the directory
# of every local volume the stack declares on its node (tools/local-stack.ts reads them from the
# stack's render, so a change of mode, replicas or nodes in Pulumi.local.yaml needs no change
# here), and run `pulumi up` with the offline engine environment
# (tools/pulumi-env.sh: file backend under /var/tmp/kubernetes-redis/pulumi, a fixed local
# passphrase). Extra arguments go to `pulumi up` (e.g. --diff). Needs root (the cluster).
# The first run creates the stack; as with any `pulumi stack init` on a passphrase-protected
# stack, Pulumi then writes `encryptionsalt` into Pulumi.local.yaml.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
log() { printf '[local-up %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
started=$SECONDS

tools/toolchain/build.sh
log "toolchain cache ready ($((SECONDS - started)) s)"

status=0
tools/cluster/cluster.sh status >/dev/null 2>&1 || status=$?
case $status in
    0) log "the local cluster runs: reusing it" ;;
    3) tools/cluster/cluster.sh up ;;
    *)
        log "the local cluster runs only in part (tools/cluster/cluster.sh status); fix or stop it (cluster.sh down) first"
        exit 1
        ;;
esac

[[ -d node_modules/@pulumi/pulumi ]] || npm ci --no-audit --no-fund

# shellcheck source=tools/pulumi-env.sh
source tools/pulumi-env.sh
footprint=$(npx ts-node --transpile-only tools/local-stack.ts --stack local)
while IFS=$'\t' read -r kind node path uid; do
    [[ $kind == volume-dir ]] && tools/cluster/cluster.sh volume-dir "$node" "$path" "$uid"
done <<<"$footprint"
pulumi stack select --create local --non-interactive
pulumi up --yes --stack local --non-interactive "$@"
log "deployed in $((SECONDS - started)) s; connection: tools/pulumi-env.sh pulumi stack output --stack local --show-secrets connection"
