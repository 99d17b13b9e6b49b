# shellcheck shell=bash
# The CNI plugins a single-node cluster's pod network needs, from
# github.com/containernetworking/plugins: bridge, ptp, loopback, host-local, portmap, and
# bandwidth and firewall (pure Go, sharing the others' dependencies). Built without cgo and with
# the version set as upstream's release workflow does.

component_version() { echo "$CNI_PLUGINS_VERSION"; }

component_build() {
    local out=$1 version=$CNI_PLUGINS_VERSION
    local module=github.com/containernetworking/plugins
    local plugins=(main/bridge main/ptp main/loopback ipam/host-local meta/portmap meta/bandwidth meta/firewall)
    local upstream_mod
    upstream_mod=$(go mod download -json "$module@$version" | jq -r '.GoMod // empty')
    [[ -f $upstream_mod ]] || die "$module@$version: no go.mod from the module proxy"

    {
        echo "module local/cni-plugins-build"
        grep -E '^go ' "$upstream_mod"
        echo "require $module $version"
    } >go.mod
    local plugin packages=()
    {
        printf '//go:build tools\n\npackage tools\n\nimport (\n'
        for plugin in "${plugins[@]}"; do
            packages+=("$module/plugins/$plugin")
            printf '\t_ "%s"\n' "$module/plugins/$plugin"
        done
        printf ')\n'
    } >tools.go
    log "cni-plugins: resolving modules"
    go mod tidy >/dev/null

    log "cni-plugins: go build ${plugins[*]##*/}"
    CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X $module/pkg/utils/buildversion.BuildVersion=$version" \
        -o "$out/bin/" "${packages[@]}"

    for plugin in "${plugins[@]}"; do
        [[ -x $out/bin/${plugin##*/} ]] || die "cni-plugins: ${plugin##*/} was not built"
    done
    # Without CNI_COMMAND a plugin prints what it is, with its version, on stderr.
    local about
    about=$(env -u CNI_COMMAND "$out/bin/bridge" --version 2>&1) || die "bridge --version failed"
    printf '%s\n' "$about" >&2
    grep -q "plugin $version" <<<"$about" || die "cni-plugins report a wrong version"
}
