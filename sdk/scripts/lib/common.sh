# shellcheck shell=sh
# What the pod scripts share. Sourced, never run: in the container every script sits flat in one
# directory, this one under the ConfigMap key lib-common.sh, and a script loads it with
#
#   # shellcheck source=../lib/common.sh
#   . "$(dirname "$0")/lib-common.sh"
#
# Environment: ENGINE_CLI (redis-cli or valkey-cli), REDIS_PORT, REDIS_PASSWORD_FILE (for the
# functions that talk to the server).

# log MESSAGE...: one line on stderr, tagged with the script's name. The kubelet shows a probe's
# output in its events, the container runtime keeps the start script's. Never log a secret.
log() {
    printf '%s: %s\n' "${log_tag:-$(basename "$0" .sh)}" "$*" >&2
}

# use_password: export the password from the mounted Secret as REDISCLI_AUTH, where redis-cli
# and valkey-cli read it, so that it is never an argument (argv is world-readable in /proc). Not
# for a script that execs the server: the server would inherit it in its environment.
use_password() {
    : "${REDIS_PASSWORD_FILE:?REDIS_PASSWORD_FILE is not set}"
    REDISCLI_AUTH=$(cat "$REDIS_PASSWORD_FILE") || return 1
    export REDISCLI_AUTH
}

# redis_cli SECONDS COMMAND...: the engine's cli ($ENGINE_CLI) against the server of this pod,
# given up after SECONDS. The exit status is 124 when it was given up, else the cli's.
redis_cli() {
    : "${ENGINE_CLI:?ENGINE_CLI is not set}"
    : "${REDIS_PORT:?REDIS_PORT is not set}"
    redis_cli_seconds=$1
    shift
    timeout "$redis_cli_seconds" "$ENGINE_CLI" --no-auth-warning -h 127.0.0.1 -p "$REDIS_PORT" "$@"
}
