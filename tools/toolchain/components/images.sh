# shellcheck shell=bash
# Container images for the local cluster, built here from Debian packages, never pulled:
#   localhost/kubernetes-redis/redis:<redis upstream version>-<suite>
#   localhost/kubernetes-redis/valkey:<valkey upstream version>-<suite>
#       one Debian root filesystem (debootstrap minbase and procps, then redis-server,
#       redis-tools, valkey-server and valkey-tools at the pinned versions), the redis user and
#       group created first as 999:999, the uid the package's pods run as; /data is the working
#       directory and a mount point, and the root filesystem can be mounted read-only.
#   localhost/kubernetes-redis/node-client:<nodejs upstream version>-<suite>
#       the same minbase with nodejs, node-redis (require('redis')), redis-tools and
#       ca-certificates, for client pods; a user "client" is 999:999.
#   localhost/kubernetes-redis/pause:<tag>
#       Kubernetes' own pause.c from the k8s.io/kubernetes module (build/pause), linked statically.
# Each becomes an OCI image layout in a tar file (written here with tar, gzip, sha256sum and jq)
# that `ctr -n k8s.io images import` reads; OUT/images/index.tsv lists name, tag, file and
# upstream version, OUT/images/<image>-packages.tsv every Debian package in it. The Debian point
# release and the versions of the packages named above are pinned in versions.env and checked,
# and the entry's key is made of them, so it names what goes into the images.

component_version() {
    local pins
    pins=$(printf '%s\n' "$IMAGES_DEBIAN_RELEASE" "$IMAGES_REDIS_DEBIAN_VERSION" "$IMAGES_VALKEY_DEBIAN_VERSION" \
        "$IMAGES_NODEJS_DEBIAN_VERSION" "$IMAGES_NODE_REDIS_DEBIAN_VERSION" "$KUBERNETES_VERSION" | sha256sum)
    printf 'trixie%s-redis%s-valkey%s-node%s-k8s%s-%s\n' "$IMAGES_DEBIAN_RELEASE" \
        "$(images_upstream_version "$IMAGES_REDIS_DEBIAN_VERSION")" \
        "$(images_upstream_version "$IMAGES_VALKEY_DEBIAN_VERSION")" \
        "$(images_upstream_version "$IMAGES_NODEJS_DEBIAN_VERSION")" "${KUBERNETES_VERSION#v}" "${pins:0:8}"
}

# images_debian_mirror: the Debian archive this machine's apt uses (not its security archive).
images_debian_mirror() {
    local uri
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        grep -Eo '^(deb +(\[[^]]*\] +)?|URIs: *)[a-z]+://[^ ]+' | grep -Eo '[a-z]+://[^ ]+' |
        grep -E '/debian/?$' | head -n 1)
    [[ -n $uri ]] || die "images: no Debian archive in /etc/apt/sources.list*"
    echo "${uri%/}"
}

# images_upstream_version DEBIAN_VERSION: 5:8.0.2-3+deb13u3 -> 8.0.2, 8.1.1+dfsg1-3 -> 8.1.1.
images_upstream_version() {
    local version=${1#*:}
    version=${version%-*}
    echo "${version%%[+~]*}"
}

# images_blob LAYOUT FILE: move FILE into LAYOUT's blobs, setting blob_digest and blob_size
# (declared by the caller).
images_blob() {
    local hex
    hex=$(sha256sum <"$2")
    hex=${hex%% *}
    [[ $hex =~ ^[0-9a-f]{64}$ ]] || die "images: no digest for $2"
    blob_digest=sha256:$hex
    blob_size=$(stat -c %s "$2")
    mv "$2" "$1/blobs/sha256/$hex"
}

# images_archive ARCHIVE REF LAYER_GZ DIFF_ID CONFIG_JSON: an OCI image layout holding one image
# of one layer, tarred into ARCHIVE. CONFIG_JSON is the image's "config" object; the caller's
# created and recipe_note fill the image's creation time and history.
images_archive() {
    local archive=$1 ref=$2 layer_gz=$3 diff_id=$4 config=$5
    local layout=$PWD/layout blob_digest blob_size
    rm -rf "$layout" && mkdir -p "$layout/blobs/sha256"
    local layer_digest layer_size config_digest config_size
    cp "$layer_gz" "$layout/layer"
    images_blob "$layout" "$layout/layer"
    layer_digest=$blob_digest layer_size=$blob_size
    jq -cjn --argjson config "$config" --arg diff_id "$diff_id" --arg created "$created" --arg by "$recipe_note" '{
        created: $created, architecture: "amd64", os: "linux", config: $config,
        rootfs: {type: "layers", diff_ids: [$diff_id]},
        history: [{created: $created, created_by: $by}]
    }' >"$layout/config"
    images_blob "$layout" "$layout/config"
    config_digest=$blob_digest config_size=$blob_size
    jq -cjn --arg cd "$config_digest" --argjson cs "$config_size" --arg ld "$layer_digest" \
        --argjson ls "$layer_size" '{
        schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
        layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $ld, size: $ls}]
    }' >"$layout/manifest"
    images_blob "$layout" "$layout/manifest"
    # containerd names an imported image by io.containerd.image.name; the OCI annotation holds
    # the tag, as other OCI tools expect.
    jq -cn --arg md "$blob_digest" --argjson ms "$blob_size" --arg ref "$ref" '{
        schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md,
            size: $ms, platform: {architecture: "amd64", os: "linux"},
            annotations: {"io.containerd.image.name": $ref,
                "org.opencontainers.image.ref.name": ($ref | sub(".*:"; ""))}}]
    }' >"$layout/index.json"
    echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
    tar --create --numeric-owner --owner=0 --group=0 --sort=name --file="$archive" \
        -C "$layout" oci-layout index.json blobs
    rm -rf "$layout"
}

# images_layer DIR NAME: DIR's contents as the layer NAME.tar.gz, its diff_id in NAME.diff_id.
images_layer() {
    local entries=() hex
    mapfile -t entries < <(find "$1" -mindepth 1 -maxdepth 1 -printf '%P\n' | sort)
    ((${#entries[@]} > 0)) || die "images: $1 is empty"
    tar --create --format=gnu --numeric-owner --sort=name --file="$2.tar" -C "$1" -- "${entries[@]}"
    hex=$(sha256sum <"$2.tar")
    echo "sha256:${hex%% *}" >"$2.diff_id"
    gzip -n -6 "$2.tar"
}

# images_install ROOTFS WHAT PACKAGE[=VERSION]...: install packages into ROOTFS, no service
# started; then check that each pinned one is installed at its pin.
images_install() {
    local rootfs=$1 what=$2 spec installed
    shift 2
    printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
    chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
    log "images: apt-get install $*"
    DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get install -y -qq --no-install-recommends "$@" >&2 ||
        die "images: installing the pinned $what packages failed (are the pins in versions.env still served?)"
    rm -f "$rootfs/usr/sbin/policy-rc.d"
    for spec in "$@"; do
        [[ $spec == *=* ]] || continue
        # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
        installed=$(chroot "$rootfs" dpkg-query -W -f '${Version}' "${spec%%=*}")
        [[ $installed == "${spec#*=}" ]] || die "images: ${spec%%=*} is $installed, not the pinned ${spec#*=}"
    done
}

# images_user ROOTFS NAME HOME: a system user and group NAME, both 999, created before any
# package could take the id.
images_user() {
    chroot "$1" groupadd --system --gid 999 "$2"
    chroot "$1" useradd --system --uid 999 --gid 999 --home-dir "$3" --no-create-home \
        --shell /usr/sbin/nologin "$2"
}

# images_finish ROOTFS PACKAGES_TSV: record ROOTFS's packages, then remove what the runtime
# provides (/dev, /proc, /sys, resolv.conf, hosts, hostname), apt's caches and lists, and logs.
images_finish() {
    local rootfs=$1
    # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
    chroot "$rootfs" dpkg-query -W -f '${Package}\t${Version}\n' | sort >"$2"
    chroot "$rootfs" apt-get clean
    find "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/run" "$rootfs/tmp" "$rootfs/var/tmp" \
        "$rootfs/var/lib/apt/lists" "$rootfs/var/cache/apt" "$rootfs/var/cache/debconf" \
        -mindepth 1 -delete
    find "$rootfs/var/log" -type f -delete
    rm -f "$rootfs"/var/lib/dpkg/*-old "$rootfs/var/cache/ldconfig/aux-cache"
    rm -f "$rootfs/etc/hostname" "$rootfs/etc/machine-id"
    : >"$rootfs/etc/resolv.conf"
    : >"$rootfs/etc/hosts"
    mkdir -p "$rootfs/var/lib/apt/lists/partial"
    chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
}

component_build() {
    local out=$1 suite=trixie
    local mirror base=$PWD/base rootfs=$PWD/rootfs created recipe_note
    command -v debootstrap >/dev/null || die "images: debootstrap is missing (apt-get install debootstrap)"
    command -v jq >/dev/null || die "images: jq is missing (apt-get install jq)"
    mirror=$(images_debian_mirror)
    created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    mkdir -p "$out/images"
    local prefix=localhost/kubernetes-redis path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    printf '#name\ttag\tfile\tupstream_version\n' >"$out/images/index.tsv"

    # The base: minbase (bash, coreutils, dpkg, apt) and procps, at the pinned point release.
    log "images: debootstrap $suite from $mirror"
    debootstrap --variant=minbase --include=procps "$suite" "$base" "$mirror" >debootstrap.log 2>&1 ||
        { tail -n 30 debootstrap.log >&2; die "images: debootstrap failed (log above)"; }
    chroot "$base" apt-get update -qq >&2 || die "images: apt-get update in the root filesystem failed"
    local release
    release=$(sed -n 's/^Version: //p' "$base"/var/lib/apt/lists/*_dists_"${suite}"_InRelease | head -n 1)
    [[ $release == "$IMAGES_DEBIAN_RELEASE" ]] ||
        die "images: the mirror serves Debian $release, versions.env pins IMAGES_DEBIAN_RELEASE=$IMAGES_DEBIAN_RELEASE (update the pins)"

    # redis and valkey: one root filesystem, one layer, two images.
    cp -a "$base" "$rootfs"
    images_user "$rootfs" redis /var/lib/redis
    images_install "$rootfs" "redis and valkey" \
        "redis-server=$IMAGES_REDIS_DEBIAN_VERSION" "redis-tools=$IMAGES_REDIS_DEBIAN_VERSION" \
        "valkey-server=$IMAGES_VALKEY_DEBIAN_VERSION" "valkey-tools=$IMAGES_VALKEY_DEBIAN_VERSION"
    chroot "$rootfs" redis-server --version >&2
    chroot "$rootfs" valkey-server --version >&2
    images_finish "$rootfs" "$out/images/redis-valkey-packages.tsv"
    mkdir -p "$rootfs/data"
    chown 999:999 "$rootfs/data"
    chmod 0755 "$rootfs/data"
    log "images: writing the redis and valkey layer"
    images_layer "$rootfs" server
    local image version server package_version ref file config diff_id
    diff_id=$(<server.diff_id)
    for image in redis valkey; do
        case $image in
            redis) server=redis-server package_version=$IMAGES_REDIS_DEBIAN_VERSION ;;
            valkey) server=valkey-server package_version=$IMAGES_VALKEY_DEBIAN_VERSION ;;
        esac
        version=$(images_upstream_version "$package_version")
        ref="$prefix/$image:$version-$suite"
        file="$image-$version-$suite.oci.tar"
        recipe_note="kubernetes-redis tools/toolchain images: debootstrap --variant=minbase $suite $IMAGES_DEBIAN_RELEASE; $server $package_version"
        config=$(jq -cn --arg path "PATH=$path" --arg server "$server" --arg version "$version" \
            --arg package "$package_version" --arg release "$IMAGES_DEBIAN_RELEASE" '{
            User: "999:999", Env: [$path], Cmd: [$server], WorkingDir: "/data",
            Volumes: {"/data": {}},
            Labels: {"org.opencontainers.image.version": $version,
                "org.opencontainers.image.description": "Debian \($release) with \($server) \($package), built locally from Debian packages"}}')
        log "images: writing $ref"
        images_archive "$out/images/$file" "$ref" server.tar.gz "$diff_id" "$config"
        printf '%s\t%s\t%s\t%s\n' "$prefix/$image" "$version-$suite" "$file" "$version" >>"$out/images/index.tsv"
    done
    rm -rf "$rootfs" server.tar.gz server.diff_id

    # The Node.js client: nodejs with node-redis, and redis-cli.
    mv "$base" "$rootfs"
    images_user "$rootfs" client /home/client
    images_install "$rootfs" "Node.js client" "nodejs=$IMAGES_NODEJS_DEBIAN_VERSION" \
        "node-redis=$IMAGES_NODE_REDIS_DEBIAN_VERSION" "redis-tools=$IMAGES_REDIS_DEBIAN_VERSION" ca-certificates
    chroot "$rootfs" /usr/bin/node --version >&2
    chroot "$rootfs" /usr/bin/node -e 'require("redis")' || die "images: node cannot load node-redis"
    images_finish "$rootfs" "$out/images/node-client-packages.tsv"
    install -d -o 999 -g 999 -m 0755 "$rootfs/home/client"
    log "images: writing the Node.js client layer"
    images_layer "$rootfs" client
    diff_id=$(<client.diff_id)
    version=$(images_upstream_version "$IMAGES_NODEJS_DEBIAN_VERSION")
    ref="$prefix/node-client:$version-$suite"
    file="node-client-$version-$suite.oci.tar"
    recipe_note="kubernetes-redis tools/toolchain images: debootstrap --variant=minbase $suite $IMAGES_DEBIAN_RELEASE; nodejs $IMAGES_NODEJS_DEBIAN_VERSION, node-redis $IMAGES_NODE_REDIS_DEBIAN_VERSION"
    config=$(jq -cn --arg path "PATH=$path" --arg version "$version" --arg note "$recipe_note" '{
        User: "999:999", Env: [$path, "HOME=/home/client"], Cmd: ["node"], WorkingDir: "/home/client",
        Labels: {"org.opencontainers.image.version": $version, "org.opencontainers.image.description": $note}}')
    log "images: writing $ref"
    images_archive "$out/images/$file" "$ref" client.tar.gz "$diff_id" "$config"
    printf '%s\t%s\t%s\t%s\n' "$prefix/node-client" "$version-$suite" "$file" "$version" >>"$out/images/index.tsv"
    rm -rf "$rootfs" client.tar.gz client.diff_id

    # The pause image: Kubernetes' pause.c from the k8s.io/kubernetes module, at the tag its
    # Makefile builds. It prints its version with -v, as upstream's does.
    local k8s_dir pause_tag
    k8s_dir=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | jq -r '.Dir // empty')
    [[ -f $k8s_dir/build/pause/linux/pause.c ]] || die "images: no build/pause/linux/pause.c in k8s.io/kubernetes@$KUBERNETES_VERSION"
    pause_tag=$(sed -n 's/^TAG ?= *//p' "$k8s_dir/build/pause/Makefile")
    [[ $pause_tag =~ ^[0-9]+(\.[0-9]+)+$ ]] || die "images: no pause TAG in build/pause/Makefile"
    log "images: gcc pause $pause_tag"
    mkdir -p pause-root
    gcc -Os -Wall -Werror -static "-DVERSION=v$pause_tag-kubernetes-$KUBERNETES_VERSION" \
        -o pause-root/pause "$k8s_dir/build/pause/linux/pause.c"
    strip pause-root/pause
    pause-root/pause -v >&2
    grep -q "^pause.c v$pause_tag-" < <(pause-root/pause -v) || die "images: pause reports a wrong version"
    images_layer pause-root pause
    diff_id=$(<pause.diff_id)
    ref="$prefix/pause:$pause_tag"
    file="pause-$pause_tag.oci.tar"
    recipe_note="kubernetes-redis tools/toolchain images: gcc -static k8s.io/kubernetes@$KUBERNETES_VERSION build/pause/linux/pause.c"
    config=$(jq -cn '{User: "65535:65535", Entrypoint: ["/pause"]}')
    log "images: writing $ref"
    images_archive "$out/images/$file" "$ref" pause.tar.gz "$diff_id" "$config"
    printf '%s\t%s\t%s\t%s\n' "$prefix/pause" "$pause_tag" "$file" "$pause_tag" >>"$out/images/index.tsv"
    rm -rf pause-root pause.tar.gz pause.diff_id
    cat "$out/images/index.tsv" >&2
}
