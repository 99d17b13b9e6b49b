# shellcheck shell=bash source-path=SCRIPTDIR
# shellcheck disable=SC2034 # the settings are read by the files that source this one
# Shared settings and helpers of the local cluster: the address plan, the state directory, the
# toolchain's binaries, logging, and the recorded processes. Sourced by cluster.sh.

CLUSTER_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLCHAIN_TOOLS=$(cd "$CLUSTER_TOOLS/../toolchain" && pwd)

# Everything the cluster writes lives here, except the cgroups, the bridge and the kernel settings
# that `down` undoes. It must not be under /var/lib, /var/log or /run: each node's mount namespace
# puts its own folders over those.
CLUSTER_STATE=${KUBERNETES_REDIS_CLUSTER_DIR:-/var/tmp/kubernetes-redis/cluster}

# The address plan. `up` refuses to start when any of these overlaps an address or route of the
# machine (or its DNS server). The defaults stay clear of ranges that clusters and tools often use;
# KR_NODE_NET_PREFIX (three octets), KR_POD_NET_PREFIX and KR_SERVICE_NET_PREFIX (two) move them.
CLUSTER_NAME=kubernetes-redis
NODE_COUNT=3
NODE_NET_PREFIX=${KR_NODE_NET_PREFIX:-10.203.0}   # the nodes' shared bridge, a /24
NODE_NET=$NODE_NET_PREFIX.0/24
HOST_IP=$NODE_NET_PREFIX.1                        # the bridge's address in the host: the API server
POD_NET_PREFIX=${KR_POD_NET_PREFIX:-10.200}       # a /16; node N gets <prefix>.N.0/24
POD_NET=$POD_NET_PREFIX.0.0/16
SERVICE_NET_PREFIX=${KR_SERVICE_NET_PREFIX:-10.96}
SERVICE_NET=$SERVICE_NET_PREFIX.0.0/16
KUBERNETES_SERVICE_IP=$SERVICE_NET_PREFIX.0.1
DNS_SERVICE_IP=$SERVICE_NET_PREFIX.0.10
CLUSTER_DOMAIN=cluster.local
APISERVER_PORT=6443
APISERVER_URL=https://$HOST_IP:$APISERVER_PORT
ETCD_CLIENT_PORT=2379 ETCD_PEER_PORT=2380 ETCD_METRICS_PORT=2381
CONTROLLER_MANAGER_PORT=10257 SCHEDULER_PORT=10259
BRIDGE=kr-br0
# The host-side names of the nodes' veths are kr-n1, kr-n2, ...; the cgroups of everything the
# cluster runs are under /kubernetes-redis in every cgroup hierarchy.
VETH_PREFIX=kr-n
CGROUP_TOP=kubernetes-redis

node_name() { echo "kr-node-$1"; }
node_ip() { echo "$NODE_NET_PREFIX.$((10 + $1))"; }
node_pod_cidr() { echo "$POD_NET_PREFIX.$1.0/24"; }
node_dir() { echo "$CLUSTER_STATE/nodes/$(node_name "$1")"; }

log() { printf '[cluster %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# component_entry NAME: the toolchain cache entry of a component (complete or not).
component_entry() {
    (
        # shellcheck source=../toolchain/lib.sh
        source "$TOOLCHAIN_TOOLS/lib.sh"
        component_entry "$1"
    )
}

# The components the cluster runs, and where their binaries are (set by resolve_binaries).
CLUSTER_COMPONENTS=(kubernetes etcd containerd runc cni-plugins coredns images)
declare -A BIN_DIR=()
resolve_binaries() {
    local name entry
    for name in "${CLUSTER_COMPONENTS[@]}"; do
        entry=$(component_entry "$name")
        [[ -f $entry/.complete ]] || die "$name is not built ($entry): run tools/toolchain/build.sh $name"
        BIN_DIR[$name]=$entry/bin
    done
    IMAGES_DIR=${BIN_DIR[images]%/bin}/images
    [[ -f $IMAGES_DIR/index.tsv ]] || die "no image index in $IMAGES_DIR"
    KUBECTL=${BIN_DIR[kubernetes]}/kubectl
    # containerd finds its shim on PATH; the kubelet, kube-proxy and the CNI plugins need ip,
    # iptables and mount from the host.
    NODE_PATH=${BIN_DIR[containerd]}:${BIN_DIR[runc]}:${BIN_DIR[kubernetes]}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
}

# image_ref NAME: the full reference of a locally built image from the images index.
image_ref() {
    local ref
    ref=$(awk -F '\t' -v n="localhost/kubernetes-redis/$1" '$1 == n { print $1 ":" $2; exit }' "$IMAGES_DIR/index.tsv")
    [[ -n $ref ]] || die "image $1 is not in $IMAGES_DIR/index.tsv"
    echo "$ref"
}

# image_file NAME: the archive of a locally built image, from the images index.
image_file() {
    local file
    file=$(awk -F '\t' -v n="localhost/kubernetes-redis/$1" '$1 == n { print $3; exit }' "$IMAGES_DIR/index.tsv")
    [[ -n $file ]] || die "image $1 is not in $IMAGES_DIR/index.tsv"
    echo "$file"
}

kubectl_admin() { "$KUBECTL" --kubeconfig "$CLUSTER_STATE/kubeconfig/admin.conf" "$@"; }

# --- Recorded processes -------------------------------------------------------------------------
# Every process `up` starts is recorded as "PID STARTTIME" in pids/NAME. A PID is only ever
# signalled while its start time still matches, so a recycled PID is never hit.

proc_starttime() {
    local stat fields
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    # Field 22 of stat is the 20th after "(comm) ".
    read -r -a fields <<<"$stat"
    echo "${fields[19]}"
}

record_pid() {
    local start
    start=$(proc_starttime "$2") || start=0
    mkdir -p "$CLUSTER_STATE/pids"
    echo "$2 $start" >"$CLUSTER_STATE/pids/$1"
}

# recorded_pid NAME: the recorded PID if that process still runs, else nothing (status 1).
recorded_pid() {
    local file=$CLUSTER_STATE/pids/$1 pid start now
    [[ -f $file ]] || return 1
    read -r pid start <"$file" || return 1
    now=$(proc_starttime "$pid") || return 1
    [[ $now == "$start" ]] || return 1
    echo "$pid"
}

recorded_names() {
    local file
    for file in "$CLUSTER_STATE"/pids/*; do
        [[ -f $file ]] && basename "$file"
    done
    return 0
}

# wait_all: wait for every background job of this shell; fail if any failed.
wait_all() {
    local job failed=0
    for job in $(jobs -p); do
        wait "$job" || failed=1
    done
    return "$failed"
}

# wait_for SECONDS WHAT COMMAND...: poll COMMAND every 0.2 s until it succeeds.
wait_for() {
    local timeout=$1 what=$2
    local deadline=$((SECONDS + timeout))
    shift 2
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || {
            log "timed out after ${timeout}s waiting for $what"
            return 1
        }
        sleep 0.2
    done
}
