# shellcheck shell=bash
# The nodes' preloaded images, as a kind node image has them. A containerd root holding every
# locally built image (the images component's archives and local-images.sh's, imported with
# `ctr -n k8s.io images import`) is made once per set of images, by a containerd of its own, and
# kept in the state directory's cache/. At `up` each node gets a copy of it as its
# /var/lib/containerd: the files containerd never changes (content blobs, unpacked layers) as
# hard links, its databases as copies. So a warm `up` imports nothing. Sourced by cluster.sh.

image_archives() {
    awk -F '\t' -v dir="$IMAGES_DIR" '!/^#/ { print dir "/" $3 }' "$IMAGES_DIR/index.tsv"
    echo "$COREDNS_ARCHIVE"
    echo "$KUBECTL_ARCHIVE"
}

image_store_key() {
    {
        image_archives
        cat "$IMAGES_DIR/index.tsv"
        echo "${BIN_DIR[containerd]}"
        containerd_config /root /state /cni
        cat "${BASH_SOURCE[0]}"
    } | sha256sum | cut -c1-12
}

# prepare_image_store: make the store unless it exists; set IMAGE_STORE.
prepare_image_store() {
    IMAGE_STORE=$CLUSTER_STATE/cache/containerd-$(image_store_key)
    [[ -f $IMAGE_STORE/.complete ]] && return 0
    local work=$IMAGE_STORE.partial archive pid
    rm -rf "$CLUSTER_STATE"/cache/containerd-*
    mkdir -p "$work/state" "$work/cni"
    local socket=$work/state/containerd.sock
    ((${#socket} < 100)) || die "the state directory's path is too long for a unix socket ($socket)"
    log "importing every image into a new image store (once per set of images)"
    containerd_config "$work/root" "$work/state" "$work/cni" >"$work/containerd.toml"
    cg_create image-store
    # In a mount namespace of its own: the mounts of unpacking stay out of the host's.
    spawn image-store image-store unshare --mount --propagation private \
        "${BIN_DIR[containerd]}/containerd" --config "$work/containerd.toml"
    wait_for 30 "the image store's containerd" "${BIN_DIR[containerd]}/ctr" --address "$socket" version ||
        die "the image store's containerd did not start (log: logs/image-store.log)"
    while read -r archive; do
        "${BIN_DIR[containerd]}/ctr" --address "$socket" --namespace k8s.io images import "$archive" \
            >>"$CLUSTER_STATE/logs/image-store.log" 2>&1 || die "importing $archive failed (log: logs/image-store.log)"
    done < <(image_archives)
    pid=$(recorded_pid image-store) && kill -TERM "$pid"
    wait_for 30 "the image store's containerd to stop" sh -c "! kill -0 $pid 2>/dev/null" ||
        die "the image store's containerd did not stop"
    rm -f "$CLUSTER_STATE/pids/image-store"
    # Each node's containerd makes its own instance id.
    rm -rf "$work/state" "$work/cni" "$work/root-opt" "$work/containerd.toml" "$work/root/io.containerd.grpc.v1.introspection"
    (cd "$work/root" && find . | sort) >"$work/files"
    mv "$work" "$IMAGE_STORE"
    touch "$IMAGE_STORE/.complete"
}

# install_image_store I: make node I's /var/lib/containerd what the store holds. A copy of the
# same store left by the last cluster is reset instead of copied again: what that cluster added
# (its containers' snapshots, sandboxes, task state) is removed, its databases are replaced.
install_image_store() {
    local target stamp
    target=$(node_dir "$1")/var-lib/containerd
    stamp=$target.store
    local listing=$target.files
    if [[ -d $target && -f $stamp && $(<"$stamp") == "$IMAGE_STORE" ]] &&
        (cd "$target" && find . | sort >"$listing") &&
        # Nothing of the store may be missing (the kubelet's image garbage collection removes
        # images), or the copy is made again.
        [[ -z $(comm -13 "$listing" "$IMAGE_STORE/files" | head -c 1) ]]; then
        comm -23 "$listing" "$IMAGE_STORE/files" | (cd "$target" && tr '\n' '\0' | xargs -0 -r rm -rf --)
    else
        rm -rf "$target" "$stamp"
        cp -al "$IMAGE_STORE/root" "$target"
        echo "$IMAGE_STORE" >"$stamp"
    fi
    rm -f "$listing"
    # bolt databases are rewritten in place: each node gets its own copy. containerd never changes
    # the other files (content blobs, unpacked layers), so they stay hard links into the store.
    local db
    while read -r db; do
        cp "$IMAGE_STORE/root/$db" "$target/$db.copy" && mv -f "$target/$db.copy" "$target/$db"
    done < <(cd "$IMAGE_STORE/root" && find . -type f -name '*.db')
}
