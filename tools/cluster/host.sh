# shellcheck shell=bash
# What the cluster changes on the machine itself, and how `down` undoes it: cgroups, kernel
# settings, the bridge and its veths, the processes. Sourced by cluster.sh after lib.sh.

# --- Cgroups --------------------------------------------------------------------------------------
# Every process the cluster starts runs in a cgroup under /kubernetes-redis, in every hierarchy,
# and each kubelet's cgroupRoot is its node's folder there. So whatever the cluster started (also
# the containerd shims and the containers, which leave their parents) can be found, and killed, by
# cgroup, and the cgroups are removed with it.

cgroup_hierarchies() {
    awk '($3 == "cgroup" || $3 == "cgroup2") && $2 ~ "^/sys/fs/cgroup" { print $2 }' /proc/self/mounts
}

# cg_create REL: create /kubernetes-redis/REL (and its parents) in every hierarchy.
cg_create() {
    local hierarchy path part parts
    IFS=/ read -r -a parts <<<"$CGROUP_TOP/$1"
    while read -r hierarchy; do
        path=$hierarchy
        for part in "${parts[@]}"; do
            if [[ ! -d $path/$part ]]; then
                mkdir "$path/$part"
                # cgroup v1's cpuset starts empty and admits no task until given CPUs and memory
                # nodes; its children copy the parent's when clone_children is set.
                if [[ -f $path/$part/cpuset.cpus ]]; then
                    cat "$path/cpuset.cpus" >"$path/$part/cpuset.cpus"
                    cat "$path/cpuset.mems" >"$path/$part/cpuset.mems"
                    echo 1 >"$path/$part/cgroup.clone_children"
                fi
            fi
            path=$path/$part
        done
    done < <(cgroup_hierarchies)
}

# cg_attach REL PID: move PID into /kubernetes-redis/REL in every hierarchy.
cg_attach() {
    local hierarchy
    while read -r hierarchy; do
        echo "$2" >"$hierarchy/$CGROUP_TOP/$1/cgroup.procs"
    done < <(cgroup_hierarchies)
}

# cg_pids: every process in any cgroup under /kubernetes-redis.
cg_pids() {
    local hierarchy
    while read -r hierarchy; do
        [[ -d $hierarchy/$CGROUP_TOP ]] || continue
        find "$hierarchy/$CGROUP_TOP" -name cgroup.procs -exec cat {} + 2>/dev/null
    done < <(cgroup_hierarchies) | sort -un
}

# cg_kill_all: SIGKILL everything under /kubernetes-redis until nothing is left. Frozen cgroups
# (a frozen node, a frozen container) are thawed first, or their tasks could not die.
cg_kill_all() {
    local hierarchy file pids deadline=$((SECONDS + 20))
    while read -r hierarchy; do
        [[ -d $hierarchy/$CGROUP_TOP ]] || continue
        while read -r file; do
            case $file in
                */freezer.state) echo THAWED >"$file" ;;
                */cgroup.freeze) echo 0 >"$file" ;;
            esac
        done < <(find "$hierarchy/$CGROUP_TOP" \( -name freezer.state -o -name cgroup.freeze \) 2>/dev/null)
    done < <(cgroup_hierarchies)
    local killed=() pid
    while pids=$(cg_pids) && [[ -n $pids ]]; do
        ((SECONDS < deadline)) || {
            log "warning: processes left in the cluster's cgroups: $(tr '\n' ' ' <<<"$pids")"
            return 1
        }
        # shellcheck disable=SC2086 # one PID per word
        kill -KILL $pids 2>/dev/null || true
        # shellcheck disable=SC2206
        killed+=($pids)
        sleep 0.1
    done
    # A killed process leaves its cgroup at once but stays in the process table until its parent
    # (init, for the detached ones) reaps it: wait for that too.
    for pid in "${killed[@]}"; do
        while [[ -e /proc/$pid ]] && ((SECONDS < deadline)); do
            sleep 0.1
        done
    done
}

# cg_remove_all: remove every cgroup under /kubernetes-redis, deepest first.
cg_remove_all() {
    local hierarchy left
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        left=0
        while read -r hierarchy; do
            [[ -d $hierarchy/$CGROUP_TOP ]] || continue
            find "$hierarchy/$CGROUP_TOP" -depth -type d -exec rmdir {} + 2>/dev/null || true
            [[ -d $hierarchy/$CGROUP_TOP ]] && left=1
        done < <(cgroup_hierarchies)
        ((left)) || return 0
        sleep 0.2
    done
    log "warning: cgroups left: $(cgroup_hierarchies | sed "s|\$|/$CGROUP_TOP|" | xargs -r ls -d 2>/dev/null | tr '\n' ' ')"
    return 1
}

# --- Processes ------------------------------------------------------------------------------------

# spawn NAME CGROUP COMMAND...: start COMMAND detached (a session of its own, no terminal, output
# to logs/NAME.log) in the cgroup /kubernetes-redis/CGROUP, with a clean environment, and record it.
spawn() {
    local name=$1 cgroup=$2
    shift 2
    (
        trap - ERR EXIT INT TERM
        cg_attach "$cgroup" "$BASHPID"
        # setsid does not fork here: a background subshell is not a process group leader.
        exec setsid env -i "PATH=$NODE_PATH" "$@" </dev/null >>"$CLUSTER_STATE/logs/$name.log" 2>&1
    ) &
    record_pid "$name" "$!"
    # Not a job of this shell any more: no "Killed" report when down ends it.
    disown "$!"
}

# stop_recorded: SIGTERM every recorded process that still runs; wait up to 3 s for them (what
# remains is killed with its cgroup).
stop_recorded() {
    local name pid pids=() deadline=$((SECONDS + 3))
    while read -r name; do
        pid=$(recorded_pid "$name") || continue
        kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
    done < <(recorded_names)
    ((${#pids[@]})) || return 0
    log "stopping ${#pids[@]} processes"
    while ((SECONDS < deadline)); do
        for pid in "${!pids[@]}"; do
            kill -0 "${pids[$pid]}" 2>/dev/null || unset "pids[$pid]"
        done
        ((${#pids[@]})) || return 0
        sleep 0.2
    done
    log "still running after SIGTERM: $(ps -o comm= -p "$(IFS=,; echo "${pids[*]}")" | tr '\n' ' ')"
}

# --- Kernel settings --------------------------------------------------------------------------------
# The kubelet sets kernel.panic, kernel.panic_on_oops, vm.overcommit_memory, vm.panic_on_oom and the
# root key quotas (machine-wide, whatever namespace it runs in); kube-proxy may set conntrack
# settings; `up` raises the inotify limits that several kubelets need. `up` records all of them,
# `down` writes back whatever differs.
RECORDED_SETTINGS=(
    /proc/sys/kernel/panic /proc/sys/kernel/panic_on_oops /proc/sys/vm/overcommit_memory
    /proc/sys/vm/panic_on_oom /proc/sys/kernel/keys/root_maxkeys /proc/sys/kernel/keys/root_maxbytes
    /proc/sys/kernel/keys/maxkeys /proc/sys/kernel/keys/maxbytes
    /proc/sys/fs/inotify/max_user_instances /proc/sys/fs/inotify/max_user_watches
    /proc/sys/net/netfilter/nf_conntrack_max /proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established
    /proc/sys/net/netfilter/nf_conntrack_tcp_timeout_close_wait /proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal
    /proc/sys/net/netfilter/nf_conntrack_udp_timeout /proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream
    /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/all/route_localnet
    /proc/sys/net/bridge/bridge-nf-call-iptables /proc/sys/net/bridge/bridge-nf-call-ip6tables
    /sys/module/nf_conntrack/parameters/hashsize
)
SAVED_SETTINGS_FILE() { echo "$CLUSTER_STATE/host/kernel-settings.saved"; }

record_kernel_settings() {
    local file value saved
    saved=$(SAVED_SETTINGS_FILE)
    mkdir -p "${saved%/*}"
    for file in "${RECORDED_SETTINGS[@]}"; do
        [[ -r $file ]] || continue
        value=$(<"$file")
        printf '%s\t%s\n' "$file" "$value"
    done >"$saved.tmp"
    mv "$saved.tmp" "$saved"
}

# raise_setting FILE MINIMUM: raise a recorded setting to at least MINIMUM.
raise_setting() {
    local value
    value=$(<"$1")
    ((value >= $2)) || echo "$2" >"$1"
}

restore_kernel_settings() {
    local saved file value now restored=()
    saved=$(SAVED_SETTINGS_FILE)
    [[ -f $saved ]] || return 0
    while IFS=$'\t' read -r file value; do
        [[ -w $file ]] || continue
        now=$(<"$file")
        [[ $now == "$value" ]] && continue
        echo "$value" >"$file" && restored+=("${file#/proc/sys/}=$value (was $now)")
    done <"$saved"
    ((${#restored[@]} == 0)) || log "restored kernel settings: ${restored[*]}"
    rm -f "$saved"
}

# --- Network ----------------------------------------------------------------------------------------

ip_to_int() {
    local a b c d
    IFS=. read -r a b c d <<<"$1"
    echo $(((a << 24) | (b << 16) | (c << 8) | d))
}

# cidrs_overlap A/N B/M: whether two IPv4 prefixes share an address.
cidrs_overlap() {
    local a=${1%/*} n=${1#*/} b=${2%/*} m=${2#*/}
    [[ $1 == */* ]] || n=32
    [[ $2 == */* ]] || m=32
    local len=$((n < m ? n : m))
    local mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
    (($(($(ip_to_int "$a") & mask)) == $(($(ip_to_int "$b") & mask))))
}

# check_no_clash: refuse to start when the address plan overlaps the machine's addresses, routes or
# DNS servers, or when a port of the control plane is taken.
check_no_clash() {
    local ours theirs port clashes=()
    local machine=()
    mapfile -t machine < <(
        ip -4 -o addr show | awk '{ print $4 }'
        ip -4 route show table all | awk '{ d = $1; if (d ~ /^(local|broadcast|unicast|unreachable|blackhole|prohibit|throw|multicast|anycast|nat)$/) d = $2; print d }' |
            grep -Ev '^(default|0\.0\.0\.0/0)$'
        awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ { print $2 }' /etc/resolv.conf
    )
    for ours in "$NODE_NET" "$POD_NET" "$SERVICE_NET"; do
        for theirs in "${machine[@]}"; do
            [[ $theirs =~ ^[0-9.]+(/[0-9]+)?$ ]] || continue
            cidrs_overlap "$ours" "$theirs" && clashes+=("$ours overlaps $theirs")
        done
    done
    for port in "$ETCD_CLIENT_PORT" "$ETCD_PEER_PORT" "$ETCD_METRICS_PORT" "$CONTROLLER_MANAGER_PORT" "$SCHEDULER_PORT"; do
        [[ -z $(ss -Hltn "sport = :$port") ]] || clashes+=("port $port is in use")
    done
    ip link show "$BRIDGE" >/dev/null 2>&1 && clashes+=("a link named $BRIDGE exists")
    ((${#clashes[@]} == 0)) || die "the address plan clashes with this machine: ${clashes[*]}"
}

# The bridge names the state directory of the cluster that made it: one cluster per machine (its
# names, cgroups and addresses are fixed), and a teardown never touches another's.
bridge_owner() { echo "kubernetes-redis cluster $CLUSTER_STATE"; }

check_bridge_owner() {
    local alias
    alias=$(cat "/sys/class/net/$BRIDGE/ifalias" 2>/dev/null) || return 0
    [[ -z $alias || $alias == "$(bridge_owner)" ]] ||
        die "$BRIDGE belongs to another cluster ($alias): stop that one first (KUBERNETES_REDIS_CLUSTER_DIR=... cluster.sh down)"
}

create_bridge() {
    ip link add "$BRIDGE" type bridge
    ip link set "$BRIDGE" alias "$(bridge_owner)"
    ip addr add "$HOST_IP/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    local i
    # The host reaches every pod directly (the API server's replies to pods, clients in tests),
    # and the Service range through the first node's kube-proxy, as a client outside the cluster
    # network would through a node.
    for ((i = 1; i <= NODE_COUNT; i++)); do
        ip route add "$(node_pod_cidr "$i")" via "$(node_ip "$i")" dev "$BRIDGE"
    done
    ip route add "$SERVICE_NET" via "$(node_ip 1)" dev "$BRIDGE"
}

remove_links() {
    local link
    while read -r link; do
        ip link del "$link" 2>/dev/null || true
    done < <(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -E "^(${BRIDGE}|${VETH_PREFIX}[0-9]+)\$")
}

# --- Teardown -----------------------------------------------------------------------------------------

# teardown: stop everything the cluster started and undo what it changed on the machine. Safe to
# run at any time, also after a crash or an interrupted `up`, and when nothing runs.
teardown() {
    check_bridge_owner
    stop_recorded
    cg_kill_all || true
    cg_remove_all || true
    remove_links
    restore_kernel_settings
    rm -rf "$CLUSTER_STATE/pids"
}
