# shellcheck shell=bash
# runc from github.com/opencontainers/runc. It needs cgo (libcontainer/nsenter) and, for seccomp
# filters, libseccomp (Debian: libseccomp-dev and pkg-config). Linked statically, as upstream's
# release binary is, so that it does not depend on the host's libseccomp. The version comes from
# the module's embedded VERSION file; the link sets the source it was built from.

component_version() { echo "$RUNC_VERSION"; }

component_build() {
    local out=$1 version=$RUNC_VERSION
    local module=github.com/opencontainers/runc
    pkg-config --exists libseccomp ||
        die "runc: libseccomp not found by pkg-config (apt-get install libseccomp-dev pkg-config)"
    local info upstream_mod
    info=$(go mod download -json "$module@$version")
    upstream_mod=$(jq -r '.GoMod // empty' <<<"$info")
    [[ -f $upstream_mod ]] || die "$module@$version: no go.mod from the module proxy"

    {
        echo "module local/runc-build"
        grep -E '^go ' "$upstream_mod"
        echo "require $module $version"
    } >go.mod
    cat >tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/opencontainers/runc"
GO
    log "runc: resolving modules"
    go mod tidy >/dev/null

    # The module proxy keeps no commit for a tag; the module's checksum names the source instead.
    local sum
    sum=$(jq -r '.Sum' <<<"$info")
    log "runc: go build runc (cgo, static, seccomp)"
    CGO_ENABLED=1 go build -trimpath -buildmode=pie \
        -tags "seccomp urfave_cli_no_docs netgo osusergo" \
        -ldflags "-s -w -X 'main.gitCommit=module:$sum' -linkmode external -extldflags '-static-pie'" \
        -o "$out/bin/runc" "$module"

    "$out/bin/runc" --version >&2 || die "runc --version failed"
    grep -q "^runc version ${version#v}$" < <("$out/bin/runc" --version) || die "runc reports a wrong version"
    grep -q "^libseccomp: " < <("$out/bin/runc" --version) || die "runc was built without seccomp"
}
