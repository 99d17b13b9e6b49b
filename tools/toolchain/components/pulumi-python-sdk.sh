# shellcheck shell=bash
# pulumi-python-sdk: a Python virtualenv with Pulumi's Python SDK from PyPI, for Python programs
# run by pulumi-language-python (the cross-language tests). PyPI has no release at the CLI's
# 3.274 (the newest is 3.272), so it is pinned to the release the npm SDK is pinned to.
# tools/pulumi-env.sh exports its path as KR_PULUMI_PYTHON_VENV. The virtualenv is made in the
# entry's temporary folder and renamed with it: its python runs from anywhere, its pip's
# shebang does not (nothing here runs it later).

component_version() { echo "$PULUMI_PYTHON_SDK_VERSION"; }

component_build() {
    local out=$1 reported
    log "pulumi-python-sdk: python3 -m venv, pip install pulumi==${PULUMI_PYTHON_SDK_VERSION#v}"
    python3 -m venv "$out/venv" || die "pulumi-python-sdk: python3 -m venv failed (Debian: python3-venv)"
    "$out/venv/bin/pip" install --quiet --disable-pip-version-check "pulumi==${PULUMI_PYTHON_SDK_VERSION#v}" ||
        die "pulumi-python-sdk: pip install pulumi==${PULUMI_PYTHON_SDK_VERSION#v} failed"
    reported=$("$out/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"))')
    [[ v$reported == "$PULUMI_PYTHON_SDK_VERSION" ]] || die "pulumi-python-sdk: installed pulumi $reported, not $PULUMI_PYTHON_SDK_VERSION"
}
