#!/usr/bin/env bash
# Build, or verify, the version-keyed toolchain cache: `build.sh [component ...]` (default: all).
# A component whose entry is complete is reused as it is; the build of a missing one goes to a
# temporary folder that is renamed into place only when complete, so an interrupted build
# leaves nothing that looks finished. Two builds of one component never run at once: the second
# waits for the first and then finds its entry. Progress goes to stderr; stdout stays empty.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# Build order: the cluster first, then the Pulumi engine and its plugins, then the images.
ALL_COMPONENTS=(kubernetes etcd containerd runc cni-plugins coredns node pulumi pulumi-language-nodejs pulumi-language-python pulumi-language-yaml
    pulumi-resource-kubernetes pulumi-resource-random pulumi-python-sdk images)

build_component() {
    local name=$1 recipe="$TOOLCHAIN_DIR/components/$1.sh" version entry lock started partial
    [[ -f $recipe ]] || die "unknown component '$name' (known: ${ALL_COMPONENTS[*]})"
    load_recipe "$name"
    version=$(component_version)
    entry=$(entry_dir "$name" "$version")
    mkdir -p "$TOOLCHAIN_CACHE/locks"
    exec {lock}>"$TOOLCHAIN_CACHE/locks/$name.lock"
    if ! flock --nonblock "$lock"; then
        log "$name $version: another build of it is running; waiting"
        flock "$lock"
    fi
    if [[ -f $entry/.complete ]]; then
        log "$name $version: cached ($entry)"
        exec {lock}>&-
        return
    fi
    log "$name $version: building"
    started=$SECONDS
    partial="$entry.partial"
    rm -rf "$partial" && mkdir -p "$partial/bin"
    scratch_module "$TOOLCHAIN_CACHE/work/$name"
    (cd "$TOOLCHAIN_CACHE/work/$name" && component_build "$partial")
    printf '%s %s built in %ss\n' "$name" "$version" "$((SECONDS - started))" >"$partial/.complete"
    rm -rf "$entry" && mv "$partial" "$entry"
    log "$name $version: built in $((SECONDS - started))s"
    exec {lock}>&-
}

main() {
    local components=("$@") name
    ((${#components[@]} > 0)) || components=("${ALL_COMPONENTS[@]}")
    for name in "${components[@]}"; do
        build_component "$name"
    done
}

# The whole file is read before anything runs, so that editing it during a build is harmless.
main "$@"
exit
