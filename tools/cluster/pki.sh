# shellcheck shell=bash
# The cluster's certificates, service-account key and kubeconfigs, made with openssl as kubeadm
# lays them out: a cluster CA (API server, clients, kubelets), a separate etcd CA, ECDSA P-256
# keys. Sourced by cluster.sh after lib.sh.

PKI=$CLUSTER_STATE/pki

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# new_ca NAME CN: a self-signed CA, valid ten years.
new_ca() {
    # Run in background jobs, where errexit does not hold: every step's status is chained.
    new_key "$PKI/$1.key" &&
        openssl req -x509 -new -key "$PKI/$1.key" -subj "/CN=$2" -days 3650 -sha256 \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
            -out "$PKI/$1.crt" 2>/dev/null
}

# new_cert NAME CA SUBJECT USAGE [SAN]: a key and a certificate signed by CA, valid one year.
# USAGE is server, client or both; SAN is a subjectAltName list (DNS:..., IP:...).
new_cert() {
    local name=$1 ca=$2 subject=$3 usage=$4 san=${5:-} eku
    case $usage in
        server) eku=serverAuth ;;
        client) eku=clientAuth ;;
        both) eku=serverAuth,clientAuth ;;
    esac
    {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$eku"
        [[ -z $san ]] || echo "subjectAltName=$san"
    } >"$PKI/$name.ext"
    new_key "$PKI/$name.key" &&
        openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null &&
        openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" \
            -set_serial "0x$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" -days 365 -sha256 \
            -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null &&
        rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

# kubeconfig FILE USER CERT: a kubeconfig for the cluster, with the CA and the client's
# certificate and key embedded.
kubeconfig() {
    local file=$1 user=$2 cert=$3
    mkdir -p "${file%/*}"
    cat >"$file" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: $CLUSTER_NAME
  cluster:
    server: $APISERVER_URL
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$cert.crt")
    client-key-data: $(base64 -w0 "$PKI/$cert.key")
contexts:
- name: $user@$CLUSTER_NAME
  context:
    cluster: $CLUSTER_NAME
    user: $user
current-context: $user@$CLUSTER_NAME
YAML
    chmod 0600 "$file"
}

make_leaf_certificates() {
    # etcd serves clients and its own peer port with one certificate.
    new_cert etcd-server etcd-ca /CN=kr-etcd both "DNS:localhost,IP:127.0.0.1" &
    new_cert apiserver-etcd-client etcd-ca /CN=kube-apiserver-etcd-client client &
    new_cert apiserver ca /CN=kube-apiserver server \
        "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:localhost,IP:$KUBERNETES_SERVICE_IP,IP:$HOST_IP,IP:127.0.0.1" &
    new_cert apiserver-kubelet-client ca "/O=system:masters/CN=kube-apiserver-kubelet-client" client &
    new_cert front-proxy-client front-proxy-ca /CN=front-proxy-client client &
    new_cert admin ca "/O=system:masters/CN=kubernetes-admin" client &
    new_cert controller-manager ca /CN=system:kube-controller-manager client &
    new_cert scheduler ca /CN=system:kube-scheduler client &
    new_cert kube-proxy ca /CN=system:kube-proxy client &
    local i name
    for ((i = 1; i <= NODE_COUNT; i++)); do
        name=$(node_name "$i")
        new_cert "$name-client" ca "/O=system:nodes/CN=system:node:$name" client &
        new_cert "$name-serving" ca "/CN=$name" server "DNS:$name,IP:$(node_ip "$i")" &
    done
    # The service-account token signing key (ES256).
    { new_key "$PKI/sa.key" && openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null; } &
    wait_all
}

make_pki() {
    mkdir -p "$PKI"
    chmod 0700 "$PKI"
    # In subshells, in parallel (openssl's start-up dominates): wait_all waits for their jobs only.
    (
        new_ca ca kubernetes-redis-ca &
        new_ca etcd-ca kubernetes-redis-etcd-ca &
        new_ca front-proxy-ca kubernetes-redis-front-proxy-ca &
        wait_all
    ) || die "making the CAs failed"
    (make_leaf_certificates) || die "making the certificates failed"

    local i name kc=$CLUSTER_STATE/kubeconfig
    kubeconfig "$kc/admin.conf" kubernetes-admin admin
    kubeconfig "$kc/controller-manager.conf" system:kube-controller-manager controller-manager
    kubeconfig "$kc/scheduler.conf" system:kube-scheduler scheduler
    kubeconfig "$kc/kube-proxy.conf" system:kube-proxy kube-proxy
    for ((i = 1; i <= NODE_COUNT; i++)); do
        name=$(node_name "$i")
        kubeconfig "$kc/$name.conf" "system:node:$name" "$name-client"
    done
}
