# shellcheck shell=sh
# What the pod scripts share. Sourced, never run: in the container every script sits flat in one
# directory, this one under the ConfigMap key lib-common.sh, and a script loads it with
#
#   # shellcheck source=../lib/common.sh
#   . "$(dirname "$0")/lib-common.sh"
#
# Environment: REDIS_PORT, REDIS_PASSWORD_FILE (for the functions that talk to Redis).

# log MESSAGE...: one line on stderr, tagged with the script's name. The kubelet shows a probe's
# output in its events, the container runtime keeps the start script's. Never log a secret.
log() {
    printf '%s: %s\n' "${log_tag:-$(basename "$0" .sh)}" "$*" >&2
}

# use_password: export the password from the mounted Secret as REDISCLI_AUTH, where redis-cli
# reads it, so that it is never an argument (argv is world-readable in /proc). Not for a script
# that execs redis-server: the server would inherit it in its environment.
use_password() {
    : "${REDIS_PASSWORD_FILE:?REDIS_PASSWORD_FILE is not set}"
    REDISCLI_AUTH=$(cat "$REDIS_PASSWORD_FILE") || return 1
    export REDISCLI_AUTH
}

# redis_cli SECONDS COMMAND...: redis-cli against the server of this pod, given up after
# SECONDS. The exit status is 124 when it was given up, else redis-cli's.
redis_cli() {
    : "${REDIS_PORT:?REDIS_PORT is not set}"
    redis_cli_seconds=$1
    shift
    timeout "$redis_cli_seconds" redis-cli --no-auth-warning -h 127.0.0.1 -p "$REDIS_PORT" "$@"
}
