# shellcheck shell=bash
# The pulumi CLI from github.com/pulumi/pulumi/pkg/v3/cmd/pulumi. pkg/v3's go.mod replaces
# sdk/v3 with a folder of its own tree and atotto/clipboard with a fork; replace lines apply
# only in the main module, so a wrapper module requires pkg/v3 and sdk/v3 at the same release
# and repeats every replace of pkg/v3's go.mod that points at another module (not at a folder).

component_version() { echo "$PULUMI_VERSION"; }

# pulumi_module_replaces GOMOD: the replace directives of GOMOD that name a module version
# (module => module version), as lines for a replace block; folder replaces are left out.
pulumi_module_replaces() {
    sed -nE 's/^(replace[[:space:]]+)?[[:space:]]*([^[:space:]]+)([[:space:]]+v[^[:space:]]+)?[[:space:]]+=>[[:space:]]+([^.\/[:space:]][^[:space:]]*)[[:space:]]+(v[^[:space:]]+)[[:space:]]*$/\t\2\3 => \4 \5/p' "$1"
}

# pulumi_version_ldflags: the -X flag that sets the version the CLI and plugins report.
pulumi_version_ldflags() {
    echo "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
}

component_build() {
    local out=$1 version=$PULUMI_VERSION upstream_mod
    upstream_mod=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    [[ -f $upstream_mod ]] || die "github.com/pulumi/pulumi/pkg/v3@$version: no go.mod from the module proxy"

    {
        echo "module local/pulumi-build"
        grep -E '^go ' "$upstream_mod"
        grep -E '^godebug ' "$upstream_mod" || true
        echo "require ("
        echo "	github.com/pulumi/pulumi/pkg/v3 $version"
        echo "	github.com/pulumi/pulumi/sdk/v3 $version"
        echo ")"
        echo "replace ("
        pulumi_module_replaces "$upstream_mod"
        echo ")"
    } >go.mod
    cat >tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
    log "pulumi: resolving modules"
    go mod tidy -e >/dev/null 2>&1 || true
    go mod download

    log "pulumi: go build pulumi"
    CGO_ENABLED=0 go build -trimpath -ldflags "$(pulumi_version_ldflags)" -o "$out/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    PULUMI_SKIP_UPDATE_CHECK=true PULUMI_HOME="$PWD/pulumi-home" "$out/bin/pulumi" version >/dev/null ||
        die "the built pulumi does not run"
}
