# shellcheck shell=bash
# pulumi-language-yaml from github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml. The module
# has no replace lines; a wrapper module requires it so that the build uses its go.mod's
# requirements as they are.

component_version() { echo "$PULUMI_YAML_VERSION"; }

component_build() {
    local out=$1 module=github.com/pulumi/pulumi-yaml upstream_mod
    upstream_mod=$(go mod download -json "$module@$PULUMI_YAML_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    [[ -f $upstream_mod ]] || die "$module@$PULUMI_YAML_VERSION: not served by the module proxy"
    {
        echo "module local/pulumi-language-yaml-build"
        grep -E '^go ' "$upstream_mod"
        echo "require $module $PULUMI_YAML_VERSION"
    } >go.mod
    cat >tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
GO
    log "pulumi-language-yaml: resolving modules"
    go mod tidy -e >/dev/null 2>&1 || true
    go mod download
    log "pulumi-language-yaml: go build pulumi-language-yaml"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X $module/pkg/version.Version=$PULUMI_YAML_VERSION" \
        -o "$out/bin/pulumi-language-yaml" "$module/cmd/pulumi-language-yaml"
}
