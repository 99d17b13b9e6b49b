# shellcheck shell=bash
# The CoreDNS image: one uncompressed layer holding the toolchain's CoreDNS binary as /coredns,
# run as 65532:65532, named localhost/kubernetes-redis/coredns:<version>, written as an OCI image
# layout in a tar file that `ctr images import` reads. Kept in the state directory's cache/, keyed
# by the CoreDNS cache entry and this file. Sourced by cluster.sh.

# oci_blob LAYOUT FILE: move FILE into LAYOUT's blobs; print "sha256:<hex> <size>".
oci_blob() {
    local hex size
    hex=$(sha256sum <"$2") && hex=${hex%% *}
    size=$(stat -c %s "$2")
    mv "$2" "$1/blobs/sha256/$hex"
    echo "sha256:$hex $size"
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
    local work=$CLUSTER_STATE/cache/images/coredns-$key.work
    rm -rf "$work" && mkdir -p "$work/root" "$work/layout/blobs/sha256"
    install -m 0755 "$binary" "$work/root/coredns"
    # Reproducible: the layer's files and the image's dates come from the binary.
    local created layer layer_size config config_size manifest manifest_size
    created=$(date -u -d "@$(stat -c %Y "$binary")" +%Y-%m-%dT%H:%M:%SZ)
    tar --create --format=gnu --numeric-owner --owner=0 --group=0 --sort=name \
        --mtime="$created" --file="$work/layer.tar" -C "$work/root" coredns
    read -r layer layer_size < <(oci_blob "$work/layout" "$work/layer.tar")
    jq -cjn --arg layer "$layer" --arg created "$created" --arg version "$version" '{
        created: $created, architecture: "amd64", os: "linux",
        config: {User: "65532:65532", Entrypoint: ["/coredns"], WorkingDir: "/",
            ExposedPorts: {"53/udp": {}, "53/tcp": {}, "9153/tcp": {}},
            Labels: {"org.opencontainers.image.version": $version,
                "org.opencontainers.image.description": "CoreDNS \($version), built locally from its Go module"}},
        rootfs: {type: "layers", diff_ids: [$layer]},
        history: [{created: $created, created_by: "kubernetes-redis tools/cluster/coredns-image.sh"}]
    }' >"$work/config.json"
    read -r config config_size < <(oci_blob "$work/layout" "$work/config.json")
    jq -cjn --arg config "$config" --argjson config_size "$config_size" \
        --arg layer "$layer" --argjson layer_size "$layer_size" '{
        schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $config, size: $config_size},
        layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $layer, size: $layer_size}]
    }' >"$work/manifest.json"
    read -r manifest manifest_size < <(oci_blob "$work/layout" "$work/manifest.json")
    # containerd names the imported image after io.containerd.image.name.
    jq -cjn --arg manifest "$manifest" --argjson size "$manifest_size" --arg ref "$COREDNS_IMAGE" --arg tag "$version" '{
        schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $manifest, size: $size,
            platform: {architecture: "amd64", os: "linux"},
            annotations: {"io.containerd.image.name": $ref, "org.opencontainers.image.ref.name": $tag}}]
    }' >"$work/layout/index.json"
    echo '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
    tar --create --numeric-owner --owner=0 --group=0 --sort=name --mtime="$created" \
        --file="$COREDNS_ARCHIVE.tmp" -C "$work/layout" oci-layout index.json blobs
    mv "$COREDNS_ARCHIVE.tmp" "$COREDNS_ARCHIVE"
    rm -rf "$work"
}
