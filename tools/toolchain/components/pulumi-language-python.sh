# shellcheck shell=bash
# pulumi-language-python: the module proxy serves no version of Pulumi's own Python language
# host (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3, a module of its own
# that the sdk/v3 module leaves out), so this recipe builds a minimal language host written here
# against github.com/pulumi/pulumi/sdk/v3 at the CLI's release. Like Pulumi's host it runs
# programs through the pulumi-language-python-exec script, which the sdk/v3 module does carry
# (python/cmd/) and which is installed next to the host. Python is the "virtualenv" runtime
# option's interpreter when set, else python3 on PATH (or $PULUMI_PYTHON_CMD). Left out: plugin
# discovery (put the plugins on PATH and set PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true),
# dependency installation, type checkers, uv/poetry toolchains, code generation and debugging.

component_inputs() { echo language-hosts/host.go language-hosts/python.go; }

component_version() { echo "$PULUMI_VERSION"; }

component_build() {
    local out=$1 sdk_dir
    sdk_dir=$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    [[ -f $sdk_dir/go.mod ]] || die "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION: not served by the module proxy"
    [[ -f $sdk_dir/python/cmd/pulumi-language-python-exec ]] || die "sdk/v3@$PULUMI_VERSION has no python/cmd/pulumi-language-python-exec"
    {
        echo "module local/pulumi-language-python-build"
        grep -E '^go ' "$sdk_dir/go.mod"
        echo "require github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION"
    } >go.mod
    cp "$TOOLCHAIN_DIR/language-hosts/host.go" "$TOOLCHAIN_DIR/language-hosts/python.go" .
    log "pulumi-language-python: resolving modules"
    go mod tidy || die "the language host module does not resolve"
    log "pulumi-language-python: go build pulumi-language-python"
    CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
        -o "$out/bin/pulumi-language-python" .
    install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$out/bin/pulumi-language-python-exec"
}
