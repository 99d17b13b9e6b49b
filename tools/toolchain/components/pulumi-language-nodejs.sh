# shellcheck shell=bash
# pulumi-language-nodejs: the module proxy serves no version of Pulumi's own Node.js language
# host (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, a module of its own
# that the sdk/v3 module leaves out), so this recipe builds a minimal language host written here
# against github.com/pulumi/pulumi/sdk/v3 at the CLI's release. It runs programs as Pulumi's host
# does (node @pulumi/pulumi/cmd/run ... with PULUMI_CONFIG), and leaves out plugin discovery
# (GetRequiredPackages answers nothing: put the plugins on PATH and set
# PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true), dependency installation, code generation,
# debugging and policy packs.

component_inputs() { echo language-hosts/host.go language-hosts/nodejs.go; }

component_version() { echo "$PULUMI_VERSION"; }

component_build() {
    local out=$1 sdk_mod
    sdk_mod=$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    [[ -f $sdk_mod ]] || die "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION: not served by the module proxy"
    {
        echo "module local/pulumi-language-nodejs-build"
        grep -E '^go ' "$sdk_mod"
        echo "require github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION"
    } >go.mod
    cp "$TOOLCHAIN_DIR/language-hosts/host.go" "$TOOLCHAIN_DIR/language-hosts/nodejs.go" .
    log "pulumi-language-nodejs: resolving modules"
    go mod tidy || die "the language host module does not resolve"
    log "pulumi-language-nodejs: go build pulumi-language-nodejs"
    CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
        -o "$out/bin/pulumi-language-nodejs" .
}
