# shellcheck shell=bash
# The control plane: etcd, kube-apiserver, kube-controller-manager and kube-scheduler, as processes
# in the host's namespaces. The API server listens on the bridge's address only, so the nodes
# reach it as they would a load balancer in front of a control plane. Sourced by cluster.sh.

# Timers a test may shorten (cluster.sh reads them from the environment; these are the defaults
# of Kubernetes v1.36).
NODE_MONITOR_GRACE_PERIOD=${KR_NODE_MONITOR_GRACE_PERIOD:-50s}
NODE_MONITOR_PERIOD=${KR_NODE_MONITOR_PERIOD:-5s}

start_etcd() {
    spawn etcd control-plane "${BIN_DIR[etcd]}/etcd" \
        --name=kr-etcd --data-dir="$CLUSTER_STATE/etcd" \
        --listen-client-urls="https://127.0.0.1:$ETCD_CLIENT_PORT" \
        --advertise-client-urls="https://127.0.0.1:$ETCD_CLIENT_PORT" \
        --listen-peer-urls="https://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-advertise-peer-urls="https://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-cluster="kr-etcd=https://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-cluster-state=new \
        --listen-metrics-urls="http://127.0.0.1:$ETCD_METRICS_PORT" \
        --client-cert-auth --trusted-ca-file="$PKI/etcd-ca.crt" \
        --cert-file="$PKI/etcd-server.crt" --key-file="$PKI/etcd-server.key" \
        --peer-client-cert-auth --peer-trusted-ca-file="$PKI/etcd-ca.crt" \
        --peer-cert-file="$PKI/etcd-server.crt" --peer-key-file="$PKI/etcd-server.key" \
        --snapshot-count=10000
}

etcd_healthy() {
    curl -sf --max-time 2 --cacert "$PKI/etcd-ca.crt" --cert "$PKI/apiserver-etcd-client.crt" \
        --key "$PKI/apiserver-etcd-client.key" "https://127.0.0.1:$ETCD_CLIENT_PORT/health" | grep -q '"health":"true"'
}

start_apiserver() {
    # Pod Security admission is on by default in the API server (the PodSecurity plugin, cluster
    # default "privileged"); namespaces opt in with their pod-security.kubernetes.io labels.
    spawn kube-apiserver control-plane "${BIN_DIR[kubernetes]}/kube-apiserver" \
        --advertise-address="$HOST_IP" --bind-address="$HOST_IP" --secure-port="$APISERVER_PORT" \
        --etcd-servers="https://127.0.0.1:$ETCD_CLIENT_PORT" --etcd-cafile="$PKI/etcd-ca.crt" \
        --etcd-certfile="$PKI/apiserver-etcd-client.crt" --etcd-keyfile="$PKI/apiserver-etcd-client.key" \
        --client-ca-file="$PKI/ca.crt" \
        --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
        --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
        --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
        --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
        --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
        --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
        --service-cluster-ip-range="$SERVICE_NET" \
        --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
        --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
        --requestheader-extra-headers-prefix=X-Remote-Extra- \
        --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
        --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
        --allow-privileged=true
}

apiserver_ready() {
    curl -sf --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
        "$APISERVER_URL/readyz" | grep -qx ok
}

start_controller_manager() {
    local kc=$CLUSTER_STATE/kubeconfig/controller-manager.conf
    # Pod CIDRs are fixed per node (tools/cluster/node.sh), not allocated by the controller.
    spawn kube-controller-manager control-plane "${BIN_DIR[kubernetes]}/kube-controller-manager" \
        --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
        --bind-address=127.0.0.1 --secure-port="$CONTROLLER_MANAGER_PORT" \
        --client-ca-file="$PKI/ca.crt" --root-ca-file="$PKI/ca.crt" \
        --cluster-name="$CLUSTER_NAME" \
        --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
        --service-account-private-key-file="$PKI/sa.key" --use-service-account-credentials=true \
        --service-cluster-ip-range="$SERVICE_NET" --cluster-cidr="$POD_NET" \
        --allocate-node-cidrs=false --configure-cloud-routes=false \
        --node-monitor-grace-period="$NODE_MONITOR_GRACE_PERIOD" --node-monitor-period="$NODE_MONITOR_PERIOD" \
        --leader-elect=false
}

start_scheduler() {
    local kc=$CLUSTER_STATE/kubeconfig/scheduler.conf
    spawn kube-scheduler control-plane "${BIN_DIR[kubernetes]}/kube-scheduler" \
        --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
        --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --leader-elect=false
}
