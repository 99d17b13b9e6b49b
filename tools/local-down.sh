#!/usr/bin/env bash
# Tear down what tools/local-up.sh deployed: `pulumi destroy` of stack `local` (which, as README
# says, keeps the namespace, the claims, the local PersistentVolumes and their StorageClass,
# whenDeleted: Retain), then delete those too, unless --keep-data is given (tools/local-stack.ts
# names them: from the stack's state and its current config). The data directories on the nodes
# are left as they are (a later local-up finds them again). --cluster also stops the local
# cluster (cluster.sh down).
# Needs root when the cluster is stopped.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
keep_data=false stop_cluster=false
for arg in "$@"; do
    case $arg in
        --keep-data) keep_data=true ;;
        --cluster) stop_cluster=true ;;
        *)
            sed -n '2,9s/^# \{0,1\}//p' "$0" >&2
            exit 2
            ;;
    esac
done

# shellcheck source=tools/pulumi-env.sh
source tools/pulumi-env.sh
local_stack() { npx ts-node --transpile-only tools/local-stack.ts "$@"; }
deployed=""
if pulumi stack select local --non-interactive 2>/dev/null; then
    # What was deployed, read before destroy forgets it: the config may have changed since.
    exported=$(mktemp)
    trap 'rm -f "$exported"' EXIT
    pulumi stack export --stack local >"$exported"
    deployed=$(local_stack --state "$exported")
    pulumi destroy --yes --stack local --non-interactive
else
    echo "local-down: no stack 'local' in $PULUMI_BACKEND_URL: nothing to destroy" >&2
fi
if ! $keep_data && kubectl get --raw /readyz >/dev/null 2>&1; then
    # And what the config declares now (a stack that was never deployed, or an interrupted up).
    declared=$(local_stack --stack local) || {
        echo "local-down: Pulumi.local.yaml does not render (above); removing what was deployed only" >&2
        declared=""
    }
    footprint=$(printf '%s\n%s\n' "$deployed" "$declared" | sort -u)
    # Namespaces first (their pods stop and their claims go with them), then claims in other
    # namespaces, then the volumes those held, then the classes.
    for kind in namespace claim persistentvolume storageclass; do
        while IFS=$'\t' read -r listed first second; do
            [[ $listed == "$kind" ]] || continue
            case $kind in
                claim) kubectl delete persistentvolumeclaim "$second" -n "$first" --ignore-not-found --wait=true --timeout=120s ;;
                *) kubectl delete "$kind" "$first" --ignore-not-found --wait=true --timeout=120s ;;
            esac
        done <<<"$footprint"
    done
fi
if $stop_cluster; then
    tools/cluster/cluster.sh down
fi
