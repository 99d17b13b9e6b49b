# shellcheck shell=bash
# kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy and kubectl from
# k8s.io/kubernetes. Its go.mod replaces every staging module with a folder of its own tree,
# which only the main module may do; a wrapper module replaces each of them with the published
# k8s.io/<name> v0.<minor>.<patch> instead, the list read from that exact version's go.mod.

component_version() { echo "$KUBERNETES_VERSION"; }

component_build() {
    local out=$1 version=$KUBERNETES_VERSION
    local staging_version="v0.${version#v1.}"
    local upstream_mod
    upstream_mod=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    [[ -f $upstream_mod ]] || die "k8s.io/kubernetes@$version: no go.mod from the module proxy"

    {
        echo "module local/kubernetes-build"
        grep -E '^go ' "$upstream_mod"
        grep -E '^godebug ' "$upstream_mod" || true
        echo "require k8s.io/kubernetes $version"
        echo "replace ("
        grep -Eo '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$upstream_mod" |
            awk -v v="$staging_version" '{ print "\t" $1 " => " $1 " " v }'
        echo ")"
    } >go.mod
    cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
    log "kubernetes: resolving modules"
    go mod tidy -e >/dev/null 2>&1 || true
    go mod download

    local major=${version#v}; major=${major%%.*}
    local minor=${version#v*.}; minor=${minor%%.*}
    local commit build_date ldflags="-s -w"
    commit=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/.*"Sum": "\(.*\)".*/\1/p' | head -1)
    build_date=$(date -u -d "@$(stat -c %Y "$upstream_mod")" +%Y-%m-%dT%H:%M:%SZ)
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
        ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
        ldflags+=" -X '$pkg.gitCommit=module:$commit'"
    done
    local binary
    for binary in kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubectl; do
        log "kubernetes: go build $binary"
        CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/bin/$binary" "k8s.io/kubernetes/cmd/$binary"
    done
    # The kubelet is built with cgo as upstream does (its cadvisor and mount code use it).
    log "kubernetes: go build kubelet"
    CGO_ENABLED=1 go build -trimpath -ldflags "$ldflags" -o "$out/bin/kubelet" k8s.io/kubernetes/cmd/kubelet
}
