# shellcheck shell=bash
# pulumi-resource-kubernetes from github.com/pulumi/pulumi-kubernetes/provider/v4. Its main
# embeds schema-embed.json and terraform-mapping-embed.json, which `go generate` writes from the
# committed schema.json (stamped with $VERSION); the downloaded module is read-only, so it is
# copied to ./provider, generated there, and the wrapper module replaces provider/v4 with that
# copy. The copy's own replace of sdk/v4 with a folder of its tree is dropped: the published
# sdk/v4 its go.mod requires is used instead, as in the wrapper.

component_version() { echo "$PULUMI_KUBERNETES_VERSION"; }

component_build() {
    local out=$1 module=github.com/pulumi/pulumi-kubernetes/provider/v4
    local version=${PULUMI_KUBERNETES_VERSION#v} dir upstream_mod
    dir=$(go mod download -json "$module@$PULUMI_KUBERNETES_MODULE" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    [[ -d $dir ]] || die "$module@$PULUMI_KUBERNETES_MODULE: not served by the module proxy"
    upstream_mod=$dir/go.mod

    log "pulumi-resource-kubernetes: generating the embedded schema ($version)"
    cp -R "$dir" provider && chmod -R u+w provider
    (
        cd provider || exit
        go mod edit -dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4
        VERSION=$version go generate ./cmd/pulumi-resource-kubernetes
    )
    [[ -s provider/cmd/pulumi-resource-kubernetes/schema-embed.json ]] || die "go generate wrote no schema-embed.json"

    {
        echo "module local/pulumi-resource-kubernetes-build"
        grep -E '^go ' "$upstream_mod"
        grep -E '^godebug ' "$upstream_mod" || true
        echo "require $module $PULUMI_KUBERNETES_MODULE"
        echo "replace $module => ./provider"
    } >go.mod
    cat >tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes"
GO
    log "pulumi-resource-kubernetes: resolving modules"
    go mod tidy -e >/dev/null 2>&1 || true
    go mod download

    log "pulumi-resource-kubernetes: go build pulumi-resource-kubernetes"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X $module/pkg/version.Version=$version" \
        -o "$out/bin/pulumi-resource-kubernetes" "$module/cmd/pulumi-resource-kubernetes"
}
