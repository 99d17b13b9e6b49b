# shellcheck shell=bash
# The images the cluster itself writes, besides the toolchain's `images` entry, each an OCI image
# layout in a tar file that `ctr images import` reads, kept in the state directory's cache/ and
# keyed by what goes into it and by this file:
#   localhost/kubernetes-redis/coredns:<version>   the toolchain's CoreDNS binary as /coredns, one
#       layer, run as 65532:65532;
#   localhost/kubernetes-redis/kubectl:<version>   the toolchain's kubectl as /usr/bin/kubectl on
#       top of the redis image's Debian layer (bash, coreutils), as registry.k8s.io/kubectl
#       carries kubectl on Debian with a shell.
# Sourced by cluster.sh.

# oci_blob LAYOUT FILE: move FILE into LAYOUT's blobs; print "sha256:<hex> <size>".
oci_blob() {
    local hex size
    hex=$(sha256sum <"$2") && hex=${hex%% *}
    size=$(stat -c %s "$2")
    mv "$2" "$1/blobs/sha256/$hex"
    echo "sha256:$hex $size"
}

# oci_archive ARCHIVE REF CREATED CONFIG LAYER...: write ARCHIVE, an image layout holding the image
# REF made of the LAYERs (each "FILE MEDIA_TYPE DIFF_ID", bottom first, FILE moved into the
# layout) and CONFIG, the image's "config" object.
oci_archive() {
    local archive=$1 ref=$2 created=$3 config=$4
    shift 4
    local work=$archive.work layers='[]' diff_ids='[]' spec file media diff_id digest size
    rm -rf "$work" && mkdir -p "$work/blobs/sha256"
    for spec in "$@"; do
        read -r file media diff_id <<<"$spec"
        read -r digest size < <(oci_blob "$work" "$file")
        layers=$(jq -c --arg d "$digest" --argjson s "$size" --arg m "$media" '. + [{mediaType: $m, digest: $d, size: $s}]' <<<"$layers")
        diff_ids=$(jq -c --arg d "$diff_id" '. + [$d]' <<<"$diff_ids")
    done
    jq -cjn --argjson config "$config" --argjson diff_ids "$diff_ids" --arg created "$created" '{
        created: $created, architecture: "amd64", os: "linux", config: $config,
        rootfs: {type: "layers", diff_ids: $diff_ids},
        history: [{created: $created, created_by: "kubernetes-redis tools/cluster/local-images.sh"}]
    }' >"$work/config.json"
    local config_digest config_size
    read -r config_digest config_size < <(oci_blob "$work" "$work/config.json")
    jq -cjn --arg config "$config_digest" --argjson config_size "$config_size" --argjson layers "$layers" '{
        schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $config, size: $config_size},
        layers: $layers
    }' >"$work/manifest.json"
    read -r digest size < <(oci_blob "$work" "$work/manifest.json")
    # containerd names the imported image after io.containerd.image.name.
    jq -cjn --arg manifest "$digest" --argjson size "$size" --arg ref "$ref" '{
        schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $manifest, size: $size,
            platform: {architecture: "amd64", os: "linux"},
            annotations: {"io.containerd.image.name": $ref, "org.opencontainers.image.ref.name": ($ref | sub(".*:"; ""))}}]
    }' >"$work/index.json"
    echo '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"
    tar --create --numeric-owner --owner=0 --group=0 --sort=name --mtime="$created" \
        --file="$archive.tmp" -C "$work" oci-layout index.json blobs
    mv "$archive.tmp" "$archive"
    rm -rf "$work"
}

# binary_layer FILE ROOT PATH CREATED: FILE, an uncompressed layer holding ROOT's PATH (and its
# directories); print its diff_id.
binary_layer() {
    local hex
    tar --create --format=gnu --numeric-owner --owner=0 --group=0 --sort=name \
        --mtime="$4" --file="$1" -C "$2" "$3"
    hex=$(sha256sum <"$1") && echo "sha256:${hex%% *}"
}

# coredns_image: write the archive unless cached; set COREDNS_ARCHIVE and COREDNS_IMAGE.
coredns_image() {
    local binary=${BIN_DIR[coredns]}/coredns version key
    version=$("$binary" -version | sed -n 's/^CoreDNS-//p')
    [[ -n $version ]] || die "coredns -version printed no version"
    key=$(basename "${BIN_DIR[coredns]%/bin}")-$(sha256sum <"${BASH_SOURCE[0]}" | cut -c1-12)
    COREDNS_IMAGE=localhost/kubernetes-redis/coredns:$version
    COREDNS_ARCHIVE=$CLUSTER_STATE/cache/images/coredns-$key.oci.tar
    [[ -f $COREDNS_ARCHIVE ]] && return 0

    log "writing the image $COREDNS_IMAGE"
    local work=$CLUSTER_STATE/cache/images/coredns-$key.layer created diff_id config
    rm -rf "$work" && mkdir -p "$work/root"
    install -m 0755 "$binary" "$work/root/coredns"
    # Reproducible: the layer's files and the image's dates come from the binary.
    created=$(date -u -d "@$(stat -c %Y "$binary")" +%Y-%m-%dT%H:%M:%SZ)
    diff_id=$(binary_layer "$work/layer.tar" "$work/root" coredns "$created")
    config=$(jq -cn --arg version "$version" '{User: "65532:65532", Entrypoint: ["/coredns"], WorkingDir: "/",
        ExposedPorts: {"53/udp": {}, "53/tcp": {}, "9153/tcp": {}},
        Labels: {"org.opencontainers.image.version": $version,
            "org.opencontainers.image.description": "CoreDNS \($version), built locally from its Go module"}}')
    oci_archive "$COREDNS_ARCHIVE" "$COREDNS_IMAGE" "$created" "$config" \
        "$work/layer.tar application/vnd.oci.image.layer.v1.tar $diff_id"
    rm -rf "$work"
}

# kubectl_image: write the archive unless cached; set KUBECTL_ARCHIVE and KUBECTL_IMAGE.
kubectl_image() {
    local binary=${BIN_DIR[kubernetes]}/kubectl version base key
    version=$("$binary" version --client -o json | jq -r '.clientVersion.gitVersion // empty')
    [[ -n $version ]] || die "kubectl version printed no version"
    base=$IMAGES_DIR/$(image_file redis)
    key=$(basename "${BIN_DIR[kubernetes]%/bin}")-$(basename "${BIN_DIR[images]%/bin}" | sha256sum | cut -c1-8)-$(sha256sum <"${BASH_SOURCE[0]}" | cut -c1-12)
    KUBECTL_IMAGE=localhost/kubernetes-redis/kubectl:$version
    KUBECTL_ARCHIVE=$CLUSTER_STATE/cache/images/kubectl-$key.oci.tar
    [[ -f $KUBECTL_ARCHIVE ]] && return 0

    log "writing the image $KUBECTL_IMAGE"
    local work=$CLUSTER_STATE/cache/images/kubectl-$key.layers created manifest base_layer base_diff_id diff_id config
    rm -rf "$work" && mkdir -p "$work/base" "$work/root/usr/bin"
    # The base: the redis image's one layer, as it is.
    tar -xf "$base" -C "$work/base"
    manifest=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$work/base/index.json")
    base_layer=$(jq -r '.layers | if length == 1 then .[0].digest | sub("sha256:"; "") else empty end' "$work/base/blobs/sha256/$manifest")
    [[ -n $base_layer ]] || die "the redis image ($base) is not one layer"
    base_diff_id=$(jq -r --arg m "$manifest" '.config.digest | sub("sha256:"; "")' "$work/base/blobs/sha256/$manifest" |
        xargs -I{} jq -r '.rootfs.diff_ids[0]' "$work/base/blobs/sha256/{}")
    install -m 0755 "$binary" "$work/root/usr/bin/kubectl"
    created=$(date -u -d "@$(stat -c %Y "$binary")" +%Y-%m-%dT%H:%M:%SZ)
    diff_id=$(binary_layer "$work/layer.tar" "$work/root" usr "$created")
    config=$(jq -cn --arg version "$version" '{User: "999:999", Entrypoint: ["/usr/bin/kubectl"], WorkingDir: "/",
        Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        Labels: {"org.opencontainers.image.version": $version,
            "org.opencontainers.image.description": "kubectl \($version), built locally from its Go module, on Debian"}}')
    oci_archive "$KUBECTL_ARCHIVE" "$KUBECTL_IMAGE" "$created" "$config" \
        "$work/base/blobs/sha256/$base_layer application/vnd.oci.image.layer.v1.tar+gzip $base_diff_id" \
        "$work/layer.tar application/vnd.oci.image.layer.v1.tar $diff_id"
    rm -rf "$work"
}
