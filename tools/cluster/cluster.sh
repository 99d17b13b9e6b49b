#!/usr/bin/env bash
# The local Kubernetes cluster: three nodes and a control plane on this machine, built from source
# by tools/toolchain. Usage: cluster.sh up | restart | down [--purge] | status | kubeconfig | check |
# volume-dir
#   up          build or reuse the toolchain cache, start a fresh cluster, wait until its nodes are
#               Ready and CoreDNS answers
#   restart     a power cut of the whole cluster and a boot: every process killed at once, the
#               nodes' runtime state lost, etcd and every node's /var/lib kept
#   down        stop everything and undo every change to the machine (also after a crash or an
#               interrupted up); the state directory and its logs stay, --purge removes them too
#   status      what runs
#   kubeconfig  the path of the admin kubeconfig
#   check       a smoke test: Pod Security, DNS, a ClusterIP Service across nodes
#   volume-dir NODE PATH [UID]  make PATH (mode 0700, owned by UID, default 999) inside NODE's
#               mount namespace, for a static local PersistentVolume (persistence.localVolumes)
# Progress goes to stderr. Needs root. See tools/cluster/README.md.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail
# Sorting and comparing file lists (image-store.sh) must not depend on the caller's locale.
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=host.sh
source "$here/host.sh"
# shellcheck source=pki.sh
source "$here/pki.sh"
# shellcheck source=control-plane.sh
source "$here/control-plane.sh"
# shellcheck source=node.sh
source "$here/node.sh"
# shellcheck source=local-images.sh
source "$here/local-images.sh"
# shellcheck source=image-store.sh
source "$here/image-store.sh"

require_root_and_tools() {
    ((EUID == 0)) || die "the cluster needs root (namespaces, cgroups, a bridge)"
    local tool missing=()
    case $CLUSTER_STATE/ in
        /var/lib/* | /var/log/* | /run/* | /var/run/*)
            die "the state directory $CLUSTER_STATE is under a folder every node replaces with its own" ;;
    esac
    for tool in ip iptables ip6tables iptables-save nsenter unshare setsid mount hostname openssl curl jq ss; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    ((${#missing[@]} == 0)) || die "missing tools: ${missing[*]} (Debian: iproute2 iptables util-linux openssl curl jq)"
}

# building_pid NAME: the PID of a process building NAME in the toolchain cache right now, if any.
building_pid() {
    local work proc
    work=$(
        # shellcheck source=../toolchain/lib.sh
        source "$TOOLCHAIN_TOOLS/lib.sh"
        echo "$TOOLCHAIN_CACHE/work/$1"
    )
    for proc in /proc/[0-9]*; do
        [[ $(readlink "$proc/cwd" 2>/dev/null) == "$work" ]] && {
            echo "${proc#/proc/}"
            return 0
        }
    done
    return 1
}

# ensure_toolchain: build (or find cached) what the cluster runs, with tools/toolchain/build.sh.
# A component another process is building right now is waited for first: two builds of one
# component would overwrite each other's work.
ensure_toolchain() {
    local name entry pid waited=0
    for name in "${CLUSTER_COMPONENTS[@]}"; do
        entry=$(component_entry "$name")
        while [[ ! -f $entry/.complete ]] && pid=$(building_pid "$name"); do
            ((waited % 60 == 0)) && log "waiting for the build of $name by process $pid"
            sleep 5
            waited=$((waited + 5))
        done
    done
    "$TOOLCHAIN_TOOLS/build.sh" "${CLUSTER_COMPONENTS[@]}"
}

fill_template() {
    local file=$1 key
    shift
    local expressions=()
    for key in "$@"; do
        expressions+=(-e "s|@${key%%=*}@|${key#*=}|g")
    done
    sed "${expressions[@]}" "$file"
}

# --- up ---------------------------------------------------------------------------------------------

UP_DONE=0
on_up_exit() {
    local status=$?
    ((UP_DONE)) && return 0
    log "up failed (exit $status); the logs are in $CLUSTER_STATE/logs"
    local file
    for file in "$CLUSTER_STATE"/logs/*.log; do
        [[ -s $file ]] || continue
        log "last lines of ${file##*/}:"
        tail -n 5 "$file" >&2
    done
    if [[ ${KR_KEEP_ON_FAILURE:-} == 1 ]]; then
        log "KR_KEEP_ON_FAILURE=1: leaving it running; run cluster.sh down when done"
    else
        teardown
    fi
}

prepare_state() {
    mkdir -p "$CLUSTER_STATE"
    # A fresh cluster every time. What stays: the cache (the CoreDNS image, the image store), the
    # saved kernel settings, and the nodes' copies of the image store (install_image_store resets
    # them, which is much faster than copying them again).
    find "$CLUSTER_STATE" -mindepth 1 -maxdepth 1 ! -name cache ! -name host ! -name nodes -exec rm -rf {} +
    if [[ -d $CLUSTER_STATE/nodes ]]; then
        find "$CLUSTER_STATE/nodes" -mindepth 2 -maxdepth 2 ! -name var-lib -exec rm -rf {} +
        find "$CLUSTER_STATE/nodes" -mindepth 3 -maxdepth 3 -path '*/var-lib/*' \
            ! -name containerd ! -name containerd.store -exec rm -rf {} +
    fi
    mkdir -p "$CLUSTER_STATE/logs" "$CLUSTER_STATE/cache/images"
    # The pods' upstream resolver configuration: none (nothing outside the cluster is reachable).
    echo "# kubernetes-redis local cluster: no upstream DNS server" >"$CLUSTER_STATE/resolv.conf"
}

phase() { log "$(printf '%5.1fs' "$(($(date +%s%N) - UP_STARTED))e-9")  $*"; }

# boot fresh|kept: start the control plane and the nodes, in the order they depend on each other.
# fresh: a new cluster, so each node also gets its image store and configuration; kept: the nodes
# boot on the files they had (cmd_restart).
boot() {
    cg_create control-plane
    start_etcd
    local i
    for ((i = 1; i <= NODE_COUNT; i++)); do
        create_node "$i"
        if [[ $1 == fresh ]]; then
            install_image_store "$i"
            write_node_configs "$i"
        fi
        start_containerd "$i"
    done
    phase "etcd, node namespaces and containerds started"

    wait_for 30 etcd etcd_healthy || die "etcd did not become healthy"
    start_apiserver
    wait_for 60 "the API server" apiserver_ready || die "the API server did not become ready"
    phase "API server ready"
    start_controller_manager
    start_scheduler
    for ((i = 1; i <= NODE_COUNT; i++)); do
        wait_for 20 "containerd of $(node_name "$i")" ctr_node "$i" version || die "containerd of $(node_name "$i") did not start"
        start_kubelet "$i"
        start_kube_proxy "$i"
    done
}

cmd_up() {
    require_root_and_tools
    ensure_toolchain
    resolve_binaries
    teardown
    check_no_clash
    UP_STARTED=$(date +%s%N)
    trap on_up_exit EXIT
    trap 'exit 130' INT TERM
    phase "starting (state: $CLUSTER_STATE)"
    prepare_state
    phase "previous cluster's files removed"
    record_kernel_settings
    raise_setting /proc/sys/fs/inotify/max_user_instances 1024
    raise_setting /proc/sys/fs/inotify/max_user_watches 524288
    make_pki
    phase "certificates made"
    coredns_image
    kubectl_image
    prepare_image_store
    phase "image store ready"

    create_bridge
    boot fresh
    phase "kubelets and kube-proxies started"

    local name
    for ((i = 1; i <= NODE_COUNT; i++)); do
        name=$(node_name "$i")
        wait_for 60 "$name to register" kubectl_admin get node "$name" || die "$name did not register"
        kubectl_admin patch node "$name" --type merge \
            -p "{\"spec\":{\"podCIDR\":\"$(node_pod_cidr "$i")\",\"podCIDRs\":[\"$(node_pod_cidr "$i")\"]}}" >/dev/null
    done
    kubectl_admin wait --for=condition=Ready node --all --timeout=90s >/dev/null || die "the nodes did not become Ready"
    phase "$NODE_COUNT nodes Ready"

    fill_template "$here/manifests/coredns.yaml" "DNS_SERVICE_IP=$DNS_SERVICE_IP" \
        "COREDNS_IMAGE=$COREDNS_IMAGE" "CLUSTER_DOMAIN=$CLUSTER_DOMAIN" | kubectl_admin apply -f - >/dev/null
    kubectl_admin -n kube-system rollout status deployment/coredns --timeout=120s >/dev/null ||
        die "CoreDNS did not become ready"
    phase "CoreDNS ready"
    UP_DONE=1
    log "cluster up in $((($(date +%s%N) - UP_STARTED) / 1000000)) ms; kubeconfig: $CLUSTER_STATE/kubeconfig/admin.conf"
    kubectl_admin get nodes -o wide >&2
}

# --- restart ---------------------------------------------------------------------------------------

# cmd_restart: the whole cluster loses power and boots again, its state kept. Every process (the
# control plane, the nodes, their containers) is killed at once, without a signal it could handle;
# each node comes back as a rebooted machine does: new network and mount namespaces, an empty /run
# (containerd's runtime state and the pods' network namespaces are gone), /var/lib kept (the
# kubelet's and containerd's state, the volumes); etcd restarts on its data, and the nodes come
# back under the objects the API server kept. The kubelets then start every pod of their node again.
cmd_restart() {
    require_root_and_tools
    resolve_binaries
    recorded_pid etcd >/dev/null || die "no cluster runs (cluster.sh up)"
    UP_STARTED=$(date +%s%N)
    phase "power off"
    cg_kill_all || die "the cluster's processes did not all end"
    cg_remove_all || true
    rm -rf "$CLUSTER_STATE/pids"
    local i dir
    for ((i = 1; i <= NODE_COUNT; i++)); do
        dir=$(node_dir "$i")
        find "$dir/run" -mindepth 1 -delete
        # The node's end of its link to the bridge died with its namespace; the host's end with it.
        ip link del "$VETH_PREFIX$i" 2>/dev/null || true
    done
    phase "every process ended; booting"
    boot kept
    phase "kubelets and kube-proxies started"
    # The Ready condition the nodes had before the restart is still in the API server until the
    # kubelets post a new one: wait for a heartbeat after the restart.
    local since
    since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    for ((i = 1; i <= NODE_COUNT; i++)); do
        wait_for 120 "$(node_name "$i") to report Ready after the restart" node_ready_since "$(node_name "$i")" "$since" ||
            die "$(node_name "$i") did not report Ready after the restart"
    done
    phase "$NODE_COUNT nodes Ready"
    # The same holds for the pods: CoreDNS's Deployment still counts the pods as ready that it had.
    wait_for 120 "CoreDNS to be ready after the restart" coredns_ready_since "$since" ||
        die "CoreDNS did not become ready after the restart"
    phase "CoreDNS ready"
    log "cluster restarted in $((($(date +%s%N) - UP_STARTED) / 1000000)) ms"
}

# node_ready_since NODE TIME: NODE's kubelet reported Ready at or after TIME (RFC 3339, UTC).
node_ready_since() {
    local heartbeat
    heartbeat=$(kubectl_admin get node "$1" \
        -o jsonpath='{range .status.conditions[?(@.type=="Ready")]}{.status} {.lastHeartbeatTime}{end}') || return 1
    [[ ${heartbeat%% *} == True && ! ${heartbeat#* } < $2 ]]
}

# coredns_ready_since TIME: every CoreDNS pod became Ready at or after TIME (RFC 3339, UTC).
coredns_ready_since() {
    local ready line
    ready=$(kubectl_admin -n kube-system get pods -l k8s-app=kube-dns \
        -o jsonpath='{range .items[*]}{range .status.conditions[?(@.type=="Ready")]}{.status} {.lastTransitionTime}{"\n"}{end}{end}') || return 1
    [[ -n $ready ]] || return 1
    while read -r line; do
        [[ ${line%% *} == True && ! ${line#* } < $1 ]] || return 1
    done <<<"$ready"
}

# --- down, status, kubeconfig -------------------------------------------------------------------------

cmd_down() {
    ((EUID == 0)) || die "the cluster needs root"
    local started=$SECONDS
    teardown
    if [[ ${1:-} == --purge ]]; then
        rm -rf "$CLUSTER_STATE"
        rmdir --ignore-fail-on-non-empty "${CLUSTER_STATE%/*}" 2>/dev/null || true
        log "removed $CLUSTER_STATE"
    fi
    log "down in $((SECONDS - started))s"
}

# cmd_status: what runs; exit status 0 when every recorded process runs and the API server is
# ready, 3 when nothing runs, 1 otherwise.
cmd_status() {
    local name pid running=0 recorded=0
    if [[ ! -d $CLUSTER_STATE/pids ]]; then
        echo "cluster: not running (no processes recorded in $CLUSTER_STATE)"
        return 3
    fi
    echo "cluster state: $CLUSTER_STATE"
    while read -r name; do
        recorded=$((recorded + 1))
        if pid=$(recorded_pid "$name"); then
            printf '  %-28s running (pid %s)\n' "$name" "$pid"
            running=$((running + 1))
        else
            printf '  %-28s NOT RUNNING (log: %s)\n' "$name" "$CLUSTER_STATE/logs/$name.log"
        fi
    done < <(recorded_names)
    echo "recorded processes running: $running of $recorded; processes in the cluster's cgroups: $(cg_pids | wc -l)"
    if ip link show "$BRIDGE" >/dev/null 2>&1; then echo "bridge $BRIDGE: up ($HOST_IP)"; else echo "bridge $BRIDGE: absent"; fi
    if apiserver_ready 2>/dev/null; then
        echo "API server: ready at $APISERVER_URL (kubeconfig: $CLUSTER_STATE/kubeconfig/admin.conf)"
        resolve_binaries 2>/dev/null
        kubectl_admin get nodes -o wide && kubectl_admin get pods -A -o wide
    else
        echo "API server: not ready"
        return 1
    fi
    ((running == recorded)) || return 1
}

cmd_kubeconfig() {
    local file=$CLUSTER_STATE/kubeconfig/admin.conf
    [[ -f $file ]] || die "no kubeconfig: the cluster was not started (cluster.sh up)"
    echo "$file"
}

# --- check ----------------------------------------------------------------------------------------

cmd_check() {
    resolve_binaries
    apiserver_ready || die "the cluster is not running"
    local started=$SECONDS redis ns
    redis=$(image_ref redis)
    # A namespace of its own each time: no name cached by CoreDNS from an earlier run.
    ns=kr-smoke-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
    fill_template "$here/manifests/smoke.yaml" "NAMESPACE=$ns" "REDIS_IMAGE=$redis" \
        "SERVER_NODE=$(node_name 1)" "CLIENT_NODE=$(node_name 2)" | kubectl_admin apply -f - >/dev/null
    kubectl_admin -n "$ns" wait --for=condition=Ready pod/redis pod/client --timeout=60s >/dev/null ||
        die "the smoke test's pods did not become Ready"
    kubectl_admin -n "$ns" get pods -o wide >&2

    local service_ip name=redis.$ns.svc.$CLUSTER_DOMAIN
    service_ip=$(kubectl_admin -n "$ns" get service redis -o jsonpath='{.spec.clusterIP}')
    resolves_to() { [[ $(kubectl_admin -n "$ns" exec client -- getent hosts "$1" | awk '{ print $1 }') == "$2" ]]; }
    wait_for 20 "$name in DNS" resolves_to "$name" "$service_ip" || die "DNS: $name does not resolve to $service_ip"
    log "ok: CoreDNS resolves $name to the ClusterIP $service_ip"
    resolves_to kubernetes.default "$KUBERNETES_SERVICE_IP" || die "DNS: kubernetes.default does not resolve to $KUBERNETES_SERVICE_IP"
    log "ok: the search path resolves kubernetes.default to $KUBERNETES_SERVICE_IP"
    # kube-proxy on the client's node programs the Service once it sees the server's endpoint:
    # until then the ClusterIP refuses connections.
    pong() { [[ $(kubectl_admin -n "$ns" exec client -- redis-cli -h redis -p 6379 ping) == PONG ]]; }
    wait_for 20 "redis through its Service" pong || die "redis-cli through the Service got no PONG"
    log "ok: a pod on $(node_name 2) reached redis on $(node_name 1) through the ClusterIP $service_ip (PONG)"

    local refusal
    if refusal=$(kubectl_admin -n "$ns" run privileged --image="$redis" --image-pull-policy=Never --restart=Never \
        --overrides='{"spec":{"containers":[{"name":"privileged","image":"'"$redis"'","securityContext":{"privileged":true}}]}}' 2>&1); then
        die "Pod Security admitted a privileged pod in a restricted namespace"
    fi
    grep -q 'violates PodSecurity "restricted' <<<"$refusal" || die "unexpected refusal: $refusal"
    log "ok: the API server refused a privileged pod: ${refusal%%:*}"
    kubectl_admin delete namespace "$ns" --wait=true --timeout=60s >/dev/null
    log "smoke test passed in $((SECONDS - started))s"
}

# --- volume-dir -----------------------------------------------------------------------------------

# cmd_volume_dir NODE PATH [UID]: the directory a static `local` PersistentVolume points at, made
# inside the node's own mount namespace (a node's /var/lib, /var/log and /run are not the host's).
cmd_volume_dir() {
    local node=${1:-} path=${2:-} uid=${3:-999} pid
    [[ -n $node && $path == /* ]] || die "usage: cluster.sh volume-dir NODE ABSOLUTE-PATH [UID]"
    [[ $uid =~ ^[0-9]+$ ]] || die "volume-dir: UID must be a number, not '$uid'"
    ((EUID == 0)) || die "volume-dir needs root (it enters the node's mount namespace)"
    pid=$(recorded_pid "$node") || die "volume-dir: node '$node' is not running (cluster.sh status)"
    { nsenter -t "$pid" -m -- mkdir -p "$path" && nsenter -t "$pid" -m -- chown "$uid:$uid" "$path" &&
        nsenter -t "$pid" -m -- chmod 0700 "$path"; } || die "volume-dir: could not make $path on $node"
    log "volume-dir: $path on $node, owned by $uid"
}

case ${1:-} in
    up) cmd_up ;;
    restart) cmd_restart ;;
    volume-dir)
        shift
        cmd_volume_dir "$@"
        ;;
    down) cmd_down "${2:-}" ;;
    status)
        status=0
        cmd_status || status=$?
        exit "$status"
        ;;
    kubeconfig) cmd_kubeconfig ;;
    check) cmd_check ;;
    *)
        sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
        exit 2
        ;;
esac
