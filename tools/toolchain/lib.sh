# shellcheck shell=bash
# Shared helpers of the toolchain build: the cache layout, Go's environment, logging.
# Sourced by build.sh; every function writes progress to stderr only.

TOOLCHAIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The cache lives outside the repository so that a fresh clone on a warm machine reuses it.
TOOLCHAIN_CACHE=${KUBERNETES_REDIS_CACHE:-/var/cache/kubernetes-redis}

# shellcheck source=versions.env
source "$TOOLCHAIN_DIR/versions.env"

export GOMODCACHE="$TOOLCHAIN_CACHE/go/mod"
export GOCACHE="$TOOLCHAIN_CACHE/go/build"
export GOFLAGS="-buildvcs=false -mod=mod"
export GOTOOLCHAIN=local
export GOPROXY=${GOPROXY:-https://proxy.golang.org}

log() { printf '[toolchain %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# recipe_hash NAME: a short hash of what decides a component's build: its recipe, the Go
# toolchain and the flags every build shares. Logging and layout helpers are left out, so that
# editing them does not rebuild the cache.
# A recipe that builds from source files of this repository lists them in `component_inputs`
# (paths relative to tools/toolchain), so that they key its entry too.
recipe_hash() {
    local input
    {
        cat "$TOOLCHAIN_DIR/components/$1.sh"
        if declare -F component_inputs >/dev/null; then
            for input in $(component_inputs); do
                cat "$TOOLCHAIN_DIR/$input"
            done
        fi
        go env GOVERSION GOFLAGS GOARCH
    } | sha256sum | cut -c1-12
}

# load_recipe NAME: source a component's recipe, forgetting what an earlier recipe defined.
load_recipe() {
    unset -f component_version component_build component_inputs
    # shellcheck source=/dev/null
    source "$TOOLCHAIN_DIR/components/$1.sh"
}

# entry_dir NAME VERSION: where a component's built files live in the cache.
entry_dir() {
    printf '%s/entries/%s-%s-%s\n' "$TOOLCHAIN_CACHE" "$1" "$2" "$(recipe_hash "$1")"
}

# scratch_module DIR: an empty working folder for a wrapper module, removed on the next build.
scratch_module() {
    rm -rf "$1" && mkdir -p "$1"
}

# component_entry NAME: the cache entry of a component (complete when it holds .complete).
component_entry() {
    (
        load_recipe "$1"
        entry_dir "$1" "$(component_version)"
    )
}
