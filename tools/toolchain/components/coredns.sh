# shellcheck shell=bash
# CoreDNS from github.com/coredns/coredns with only the plugins a cluster's DNS needs. Upstream's
# main imports core/plugin, which links every plugin (and the cloud SDKs of route53, azure,
# clouddns); this recipe writes its own main that imports coremain and the chosen plugins, and
# sets dnsserver.Directives to upstream's list (whose order decides the plugin chain) filtered
# down to them.

component_version() { echo "$COREDNS_VERSION"; }

component_build() {
    local out=$1 version=$COREDNS_VERSION
    local module=github.com/coredns/coredns
    # Directive names; each plugin's package is plugin/<name>, except prometheus (plugin/metrics).
    local directives=(reload ready health prometheus errors log loadbalance cache hosts kubernetes loop forward)
    local info upstream_dir upstream_mod
    info=$(go mod download -json "$module@$version")
    upstream_mod=$(jq -r '.GoMod // empty' <<<"$info")
    upstream_dir=$(jq -r '.Dir // empty' <<<"$info")
    [[ -f $upstream_mod && -d $upstream_dir ]] || die "$module@$version: not served by the module proxy"

    # Upstream's directive order, kept for the chosen plugins only.
    local ordered=() name
    mapfile -t ordered < <(sed -n '/^var Directives = \[\]string{/,/^}/s/^\t"\([a-z0-9_]*\)",$/\1/p' \
        "$upstream_dir/core/dnsserver/zdirectives.go" | grep -Fxf <(printf '%s\n' "${directives[@]}"))
    ((${#ordered[@]} == ${#directives[@]})) ||
        die "coredns: upstream's directive list lacks some of: ${directives[*]} (found: ${ordered[*]})"

    {
        echo "module local/coredns-build"
        grep -E '^go ' "$upstream_mod"
        echo "require $module $version"
    } >go.mod
    {
        printf '// A CoreDNS with only the plugins a cluster needs, written by the toolchain build.\n'
        printf 'package main\n\nimport (\n'
        printf '\t"%s/core/dnsserver"\n\t"%s/coremain"\n\n' "$module" "$module"
        for name in "${ordered[@]}"; do
            [[ $name == prometheus ]] && name=metrics
            printf '\t_ "%s/plugin/%s"\n' "$module" "$name"
        done | sort
        printf ')\n\nfunc init() {\n\tdnsserver.Directives = []string{\n'
        for name in "${ordered[@]}"; do
            printf '\t\t"%s",\n' "$name"
        done
        printf '\t}\n}\n\nfunc main() { coremain.Run() }\n'
    } >main.go
    gofmt -l . | grep -q . && die "coredns: the generated main.go is not gofmt-clean"
    log "coredns: resolving modules"
    go mod tidy >/dev/null

    # The module proxy keeps no commit for a tag; the module's checksum names the source instead.
    local sum
    sum=$(jq -r '.Sum' <<<"$info")
    log "coredns: go build coredns (plugins: ${ordered[*]})"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X '$module/coremain.GitCommit=module:$sum'" \
        -o "$out/bin/coredns" .

    "$out/bin/coredns" -version >&2 || die "coredns -version failed"
    grep -q "^CoreDNS-${version#v}$" < <("$out/bin/coredns" -version) || die "coredns reports a wrong version"
    local plugins
    plugins=$("$out/bin/coredns" -plugins)
    for name in "${ordered[@]}"; do
        grep -qx "$name" <<<"$plugins" || die "coredns: plugin $name is not linked"
    done
}
