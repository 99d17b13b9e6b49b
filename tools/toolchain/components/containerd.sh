# shellcheck shell=bash
# containerd, containerd-shim-runc-v2 and ctr from github.com/containerd/containerd/v2, built
# without cgo as upstream's static release is: the btrfs, devmapper and zfs snapshotters (which
# need cgo or host tools) are left out by build tags; the shim also leaves out gRPC, as upstream.

component_version() { echo "$CONTAINERD_VERSION"; }

component_build() {
    local out=$1 version=$CONTAINERD_VERSION
    local module=github.com/containerd/containerd/v2
    local info upstream_mod
    info=$(go mod download -json "$module@$version")
    upstream_mod=$(jq -r '.GoMod // empty' <<<"$info")
    [[ -f $upstream_mod ]] || die "$module@$version: no go.mod from the module proxy"

    {
        echo "module local/containerd-build"
        grep -E '^go ' "$upstream_mod"
        echo "require $module $version"
    } >go.mod
    cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
)
GO
    log "containerd: resolving modules"
    go mod tidy >/dev/null

    # The module proxy keeps no commit for a tag; the module's checksum names the source instead.
    local sum ldflags tags="urfave_cli_no_docs no_btrfs no_devmapper no_zfs"
    sum=$(jq -r '.Sum' <<<"$info")
    ldflags="-s -w -X $module/version.Version=$version -X '$module/version.Revision=module:$sum'"
    ldflags+=" -X $module/version.Package=$module"
    local binary
    for binary in containerd ctr; do
        log "containerd: go build $binary"
        CGO_ENABLED=0 go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$out/bin/$binary" "$module/cmd/$binary"
    done
    log "containerd: go build containerd-shim-runc-v2"
    CGO_ENABLED=0 go build -trimpath -tags "$tags no_grpc" -ldflags "$ldflags" \
        -o "$out/bin/containerd-shim-runc-v2" "$module/cmd/containerd-shim-runc-v2"

    for binary in containerd ctr containerd-shim-runc-v2; do
        "$out/bin/$binary" --version >&2 || die "$binary --version failed"
    done
    grep -q " $version " < <("$out/bin/containerd" --version) || die "containerd reports a wrong version"
}
