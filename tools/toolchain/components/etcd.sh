# shellcheck shell=bash
# etcd and etcdctl from go.etcd.io/etcd/server/v3 and go.etcd.io/etcd/etcdctl/v3. Both modules
# replace their sibling modules (api, client, pkg) with folders of the etcd tree; a wrapper module
# that requires them at the same tagged version gets the published siblings instead.

component_version() { echo "$ETCD_VERSION"; }

component_build() {
    local out=$1 version=$ETCD_VERSION
    local server_json upstream_mod
    server_json=$(go mod download -json "go.etcd.io/etcd/server/v3@$version")
    upstream_mod=$(jq -r '.GoMod // empty' <<<"$server_json")
    [[ -f $upstream_mod ]] || die "go.etcd.io/etcd/server/v3@$version: no go.mod from the module proxy"

    {
        echo "module local/etcd-build"
        grep -E '^go ' "$upstream_mod"
        echo "require ("
        echo "	go.etcd.io/etcd/server/v3 $version"
        echo "	go.etcd.io/etcd/etcdctl/v3 $version"
        echo ")"
    } >go.mod
    cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/server/v3"
)
GO
    log "etcd: resolving modules"
    go mod tidy >/dev/null
    # The module proxy keeps no commit for a tag; the module's checksum names the source instead.
    local sum ldflags
    sum=$(jq -r '.Sum' <<<"$server_json")
    ldflags="-s -w -X 'go.etcd.io/etcd/api/v3/version.GitSHA=module:$sum'"
    local binary pkg
    for binary in etcd etcdctl; do
        case $binary in
            etcd) pkg=go.etcd.io/etcd/server/v3 ;;
            etcdctl) pkg=go.etcd.io/etcd/etcdctl/v3 ;;
        esac
        log "etcd: go build $binary"
        CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/bin/$binary" "$pkg"
    done
    "$out/bin/etcd" --version >&2 || die "etcd --version failed"
    grep -q "etcd Version: ${version#v}" < <("$out/bin/etcd" --version) || die "etcd reports a wrong version"
}
