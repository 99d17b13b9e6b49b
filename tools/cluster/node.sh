# shellcheck shell=bash
# The nodes. Each is what a kind node container is, without the container: a network, mount and
# UTS namespace held open by a `sleep` process, with its own address on the shared bridge and its
# own /var/lib (kubelet, containerd, CNI), /var/log and /run bind-mounted from nodes/<name>/ in the
# state directory, in which a containerd, a kubelet and a kube-proxy run. Pod networking: a ptp
# CNI network per node (a veth per pod, routed), host-local addresses from the node's fixed pod
# CIDR, routes to the other nodes' pod CIDRs via their node addresses. Sourced by cluster.sh.

node_holder() { recorded_pid "$(node_name "$1")"; }

# node_exec I COMMAND...: run COMMAND in node I's namespaces.
node_exec() {
    local pid
    pid=$(node_holder "$1") || die "node $1 is not running"
    shift
    nsenter -t "$pid" -n -m -u -- "$@"
}

# in_own_namespaces PID: whether PID has left the host's network and mount namespaces (unshare
# does so just before it runs sleep).
in_own_namespaces() {
    local ns
    for ns in net mnt uts; do
        [[ $(readlink "/proc/$1/ns/$ns") != "$(readlink "/proc/self/ns/$ns")" ]] || return 1
    done
}

# create_node I: the node's namespaces, its link to the bridge, addresses, routes and mounts.
create_node() {
    local i=$1 name dir pid
    name=$(node_name "$i")
    dir=$(node_dir "$i")
    mkdir -p "$dir/var-lib/kubelet" "$dir/var-lib/cni" "$dir/log" "$dir/run" "$dir/etc/cni"
    cg_create "$name/system"
    spawn "$name" "$name/system" unshare --net --mount --uts --propagation private sleep infinity
    pid=$(recorded_pid "$name") || die "$name: the namespace holder did not start"
    wait_for 10 "$name's namespaces" in_own_namespaces "$pid" || die "$name: no namespaces of its own"

    ip link add "$VETH_PREFIX$i" type veth peer name eth0 netns "$pid"
    ip link set "$VETH_PREFIX$i" master "$BRIDGE" up
    local j
    nsenter -t "$pid" -n -- sh -ec "
        ip link set lo up
        ip addr add $(node_ip "$i")/24 dev eth0
        ip link set eth0 up
        ip route add default via $HOST_IP
        echo 1 >/proc/sys/net/ipv4/ip_forward
        $(for ((j = 1; j <= NODE_COUNT; j++)); do
        ((j == i)) || echo "ip route add $(node_pod_cidr "$j") via $(node_ip "$j")"
    done)"
    nsenter -t "$pid" -u -- hostname "$name"
    # Mounts made in the node stay in the node; the node's kubelet needs its root shared.
    nsenter -t "$pid" -m -- sh -ec "
        mount --make-rshared /
        mount --bind '$dir/var-lib' /var/lib
        mount --bind '$dir/log' /var/log
        mount --bind '$dir/run' /run"
}

# containerd_config ROOT STATE CNI_CONF_DIR: a containerd configuration (version 4, containerd 2.3).
containerd_config() {
    cat <<TOML
# Written by tools/cluster/node.sh.
version = 4
root = '$1'
state = '$2'
imports = []

[plugins]
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = '$(image_ref pause)'

  [plugins.'io.containerd.cri.v1.runtime']
    # No process on this machine may lower its oom_score_adj (CAP_SYS_RESOURCE is not in the
    # bounding set): containerd clamps the kubelet's negative scores to its own, 0.
    restrict_oom_score_adj = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = 'io.containerd.runc.v2'
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = '${BIN_DIR[runc]}/runc'
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ['${BIN_DIR[cni-plugins]}']
      conf_dir = '$3'

  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = '127.0.0.1'

  [plugins.'io.containerd.internal.v1.opt']
    path = '$1-opt'

  [plugins.'io.containerd.nri.v1.nri']
    disable = true

  [plugins.'io.containerd.server.v1.grpc']
    address = '$2/containerd.sock'

  [plugins.'io.containerd.server.v1.ttrpc']
    address = '$2/containerd.sock.ttrpc'
TOML
}

write_node_configs() {
    local i=$1 name dir
    name=$(node_name "$i")
    dir=$(node_dir "$i")
    # Paths inside the node's mount namespace, where /var/lib and /run are the node's own.
    containerd_config /var/lib/containerd /run/containerd "$dir/etc/cni" >"$dir/etc/containerd.toml"

    cat >"$dir/etc/cni/10-kubernetes-redis.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "kubernetes-redis",
  "plugins": [
    {
      "type": "ptp",
      "mtu": 1500,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$(node_pod_cidr "$i")"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "/var/lib/cni/networks"
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON

    cat >"$dir/etc/kubelet.yaml" <<YAML
# kubelet of $name, written by tools/cluster/node.sh.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
# This machine mounts cgroup v1 and has no systemd.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_TOP/$name
cgroupsPerQOS: true
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI/ca.crt
authorization:
  mode: Webhook
tlsCertFile: $PKI/$name-serving.crt
tlsPrivateKeyFile: $PKI/$name-serving.key
rotateCertificates: false
serverTLSBootstrap: false
healthzBindAddress: 127.0.0.1
clusterDomain: $CLUSTER_DOMAIN
clusterDNS:
- $DNS_SERVICE_IP
resolvConf: $CLUSTER_STATE/resolv.conf
# The kubelet sets the kernel settings it wants; cluster.sh restores them on down.
protectKernelDefaults: false
failSwapOn: false
# Three kubelets share one disk: eviction thresholds in absolute sizes, so that the machine's
# other use of the disk does not evict pods.
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1Gi
  imagefs.available: 1Gi
  nodefs.inodesFree: 5%
# No image garbage collection: the images are built here and no registry can give them back, and
# the disk's use by the rest of the machine (a cold toolchain cache is about 21 GB) would
# otherwise cross the default 85% threshold and have every unused image removed.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
YAML
}

start_containerd() {
    local i=$1 name dir pid
    name=$(node_name "$i")
    dir=$(node_dir "$i")
    pid=$(node_holder "$i")
    spawn "$name-containerd" "$name/system" nsenter -t "$pid" -n -m -u -- \
        "${BIN_DIR[containerd]}/containerd" --config "$dir/etc/containerd.toml"
}

containerd_socket() { echo "$(node_dir "$1")/run/containerd/containerd.sock"; }

ctr_node() {
    local i=$1
    shift
    "${BIN_DIR[containerd]}/ctr" --address "$(containerd_socket "$i")" --namespace k8s.io "$@"
}

start_kubelet() {
    local i=$1 name dir pid
    name=$(node_name "$i")
    dir=$(node_dir "$i")
    pid=$(node_holder "$i")
    spawn "$name-kubelet" "$name/system" nsenter -t "$pid" -n -m -u -- \
        "${BIN_DIR[kubernetes]}/kubelet" --config="$dir/etc/kubelet.yaml" \
        --kubeconfig="$CLUSTER_STATE/kubeconfig/$name.conf" \
        --hostname-override="$name" --node-ip="$(node_ip "$i")" \
        --node-labels="topology.kubernetes.io/zone=kr-zone-$i"
}

start_kube_proxy() {
    local i=$1 name dir pid
    name=$(node_name "$i")
    dir=$(node_dir "$i")
    pid=$(node_holder "$i")
    cat >"$dir/etc/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $CLUSTER_STATE/kubeconfig/kube-proxy.conf
mode: iptables
hostnameOverride: $name
clusterCIDR: $POD_NET
detectLocalMode: ClusterCIDR
healthzBindAddress: 0.0.0.0:10256
metricsBindAddress: 127.0.0.1:10249
# nf_conntrack_max is machine-wide: leave it as it is.
conntrack:
  maxPerCore: 0
YAML
    spawn "$name-kube-proxy" "$name/system" nsenter -t "$pid" -n -m -u -- \
        "${BIN_DIR[kubernetes]}/kube-proxy" --config="$dir/etc/kube-proxy.yaml"
}
