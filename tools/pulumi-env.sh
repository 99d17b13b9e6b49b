#!/usr/bin/env bash
# The offline Pulumi engine environment, set up in one place. Two uses:
#   source tools/pulumi-env.sh        export it into the current shell
#   tools/pulumi-env.sh CMD [ARG...]  run one command in it (e.g. tools/pulumi-env.sh pulumi up)
# It puts first on PATH the toolchain cache's pulumi CLI, language hosts (nodejs, python, yaml),
# providers (kubernetes 4.25.0, random 4.21.1), Node.js 22 (the hosts run the first `node` on PATH;
# @pulumi/pulumi needs >= 22) and kubectl, and sets:
#   PULUMI_HOME             $KR_PULUMI_DIR/home (default KR_PULUMI_DIR: /var/tmp/kubernetes-redis/pulumi)
#   PULUMI_BACKEND_URL      file://$KR_PULUMI_DIR/state, unless already set (a local file backend)
#   PULUMI_SKIP_UPDATE_CHECK, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION   true: nothing tries the network
#   PULUMI_CONFIG_PASSPHRASE  a fixed passphrase, unless already set: for local test stacks only
#   KUBECONFIG              the local cluster's admin kubeconfig, unless KR_KUBECONFIG names another
# The cache entries must exist (tools/toolchain/build.sh builds them); it fails, naming the
# missing one, otherwise. Needs go on PATH (cache entries are keyed by the Go version).

kr_pulumi_env() {
    local repo entry name bins=() cache_lib
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    cache_lib=$repo/tools/toolchain/lib.sh
    for name in pulumi pulumi-language-nodejs pulumi-language-python pulumi-language-yaml \
        pulumi-resource-kubernetes pulumi-resource-random node kubernetes pulumi-python-sdk; do
        entry=$(
            # shellcheck source=toolchain/lib.sh
            source "$cache_lib"
            component_entry "$name"
        ) || return 1
        if [[ ! -f $entry/.complete ]]; then
            echo "pulumi-env: toolchain component '$name' is not built ($entry); run tools/toolchain/build.sh" >&2
            return 1
        fi
        bins+=("$entry/bin")
    done
    # The Python SDK's virtualenv, for Python programs (their `virtualenv` runtime option).
    export KR_PULUMI_PYTHON_VENV=${entry%/}/venv
    unset 'bins[-1]'
    local IFS=:
    export PATH="${bins[*]}:$PATH"
    unset IFS
    export KR_PULUMI_DIR=${KR_PULUMI_DIR:-/var/tmp/kubernetes-redis/pulumi}
    mkdir -p "$KR_PULUMI_DIR/home" "$KR_PULUMI_DIR/state"
    export PULUMI_HOME=$KR_PULUMI_DIR/home
    export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$KR_PULUMI_DIR/state}
    export PULUMI_SKIP_UPDATE_CHECK=true
    export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
    # A fixed passphrase for the local test stacks only; a real stack sets its own.
    export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-kubernetes-redis-local-only}
    if [[ -n ${KR_KUBECONFIG:-} ]]; then
        export KUBECONFIG=$KR_KUBECONFIG
    else
        local state=${KUBERNETES_REDIS_CLUSTER_DIR:-/var/tmp/kubernetes-redis/cluster}
        if [[ -f $state/kubeconfig/admin.conf ]]; then
            export KUBECONFIG=$state/kubeconfig/admin.conf
        else
            echo "pulumi-env: no local cluster kubeconfig at $state/kubeconfig/admin.conf (tools/cluster/cluster.sh up); KUBECONFIG left as it was" >&2
        fi
    fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    kr_pulumi_env
    (($# > 0)) || { sed -n '2,16s/^# \{0,1\}//p' "$0" >&2; exit 2; }
    exec "$@"
else
    kr_pulumi_env
fi
