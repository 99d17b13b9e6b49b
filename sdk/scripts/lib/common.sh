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

# cli_at HOST PORT SECONDS COMMAND...: the engine's cli against the server at HOST:PORT (another
# pod's), given up after SECONDS.
cli_at() {
    cli_host=$1
    cli_port=$2
    cli_seconds=$3
    shift 3
    timeout "$cli_seconds" "$ENGINE_CLI" --no-auth-warning -h "$cli_host" -p "$cli_port" "$@" 2>/dev/null
}

# in_seconds MILLISECONDS: sets in_seconds to the same duration in seconds, as timeout and sleep
# read them (250: 0.250), without a subshell (a loop that runs several times a second forks less).
in_seconds() {
    in_seconds_fraction=$(($1 % 1000 + 1000))
    # shellcheck disable=SC2034 # for the scripts that source this file
    in_seconds="$(($1 / 1000)).${in_seconds_fraction#1}"
}

# sleep_ms MILLISECONDS: sleeps that long; not at all for 0 or less.
sleep_ms() {
    [ "$1" -gt 0 ] || return 0
    in_seconds "$1"
    sleep "$in_seconds"
}

# quoted_password: the password from the mounted Secret, escaped for a double-quoted value of
# redis.conf or sentinel.conf, which understand backslash escapes: \ and " are escaped so that
# any password survives. sed reads the password from stdin, never from its arguments.
quoted_password() {
    : "${REDIS_PASSWORD_FILE:?REDIS_PASSWORD_FILE is not set}"
    tr -d '\n' < "$REDIS_PASSWORD_FILE" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}

# check_password_file: the mounted password exists, and is one line.
check_password_file() {
    : "${REDIS_PASSWORD_FILE:?REDIS_PASSWORD_FILE is not set}"
    if [ ! -s "$REDIS_PASSWORD_FILE" ]; then
        log "the password file $REDIS_PASSWORD_FILE is missing or empty"
        return 1
    fi
    if [ "$(grep -c '' "$REDIS_PASSWORD_FILE")" -gt 1 ]; then
        log "the password in $REDIS_PASSWORD_FILE spans several lines"
        return 1
    fi
}

# The mark a stopping pod's preStop hook leaves: the run_id of the server it stopped (the kubelet
# also runs the hook before it restarts a container that failed its liveness probe, and the
# temporary directory lives as long as the pod, so the mark names the server, not the pod).
# That server is never made eligible for promotion again.
STOPPING_MARK="${TMPDIR:-/tmp}/stopping"

# server_run_id SECONDS: the run_id of the server this container runs (new at each start).
server_run_id() {
    redis_cli "$1" info server | tr -d '\r' | awk -F: '$1 == "run_id" { print $2 }'
}

# stopping SECONDS: the server this container runs is stopping (its preStop hook wrote its run_id
# to STOPPING_MARK).
stopping() {
    [ -s "$STOPPING_MARK" ] && [ "$(cat "$STOPPING_MARK")" = "$(server_run_id "$1")" ]
}

# PROMOTABLE_PRIORITY: the replica-priority of a replica the Sentinels may promote.
PROMOTABLE_PRIORITY=100
# HANDOVER_PRIORITY: the replica-priority that a master handing over gives the replica it chose
# (choose_handover_target in lib-sentinel.sh), for that handover only: the lowest there is, so
# that the Sentinel promotes that replica whatever the offsets it last read.
HANDOVER_PRIORITY=1

# promotable_once_synchronised SECONDS: a replica starts with replica-priority 0 (Sentinel never
# promotes it; see role.sh); once its link to the master is up and the first synchronisation is
# done, it becomes eligible (PROMOTABLE_PRIORITY), unless it is stopping (STOPPING_MARK). A server
# that is not such a replica is left alone.
promotable_once_synchronised() {
    if stopping "$1"; then
        return 0
    fi
    sync_state=$(redis_cli "$1" info replication | tr -d '\r') || return 0
    case "$sync_state" in
        *role:slave*master_link_status:up*) ;;
        *) return 0 ;;
    esac
    case "$sync_state" in
        *master_sync_in_progress:1*) return 0 ;;
    esac
    [ "$(redis_cli "$1" config get replica-priority | tail -n 1)" = 0 ] || return 0
    redis_cli "$1" config set replica-priority "$PROMOTABLE_PRIORITY" > /dev/null && log "synchronised with the master: now eligible for promotion"
}

# drop_handover_choice SECONDS: a server that holds HANDOVER_PRIORITY gets PROMOTABLE_PRIORITY back,
# or 0 when it is stopping (chosen at the moment its own preStop hook made it unpromotable). A
# replica preferred whatever its offsets could otherwise be promoted with less data than another by
# the failover after a crash.
drop_handover_choice() {
    [ "$(redis_cli "$1" config get replica-priority | tr -d '\r' | tail -n 1)" = "$HANDOVER_PRIORITY" ] || return 0
    if stopping "$1"; then
        redis_cli "$1" config set replica-priority 0 > /dev/null &&
            log "chosen for a handover while stopping: not eligible for promotion again"
        return 0
    fi
    redis_cli "$1" config set replica-priority "$PROMOTABLE_PRIORITY" > /dev/null &&
        log "chosen for a handover that is not under way: eligible for promotion as any other replica again"
}

# handover_choice_lapsed SECONDS: drop_handover_choice, unless the master this server replicates
# from is handing over to it: it answers, and reports priority 0 (a master that hands over makes
# itself unpromotable first). A stopping server drops the choice at once. The master that chose
# it gives the priority back itself once the handover is done; this is for one that stopped before
# it could (killed). Run by the readiness probe (the master is given 1 s to answer, within the
# probe's time); the fence drops the choice at once when it detaches from a master that stopped
# answering.
handover_choice_lapsed() {
    [ "$(redis_cli "$1" config get replica-priority | tr -d '\r' | tail -n 1)" = "$HANDOVER_PRIORITY" ] || return 0
    lapse_state=$(redis_cli "$1" info replication | tr -d '\r') || return 0
    lapse_master=$(printf '%s\n' "$lapse_state" | awk -F: '$1 == "master_host" { print $2 }')
    lapse_port=$(printf '%s\n' "$lapse_state" | awk -F: '$1 == "master_port" { print $2 }')
    if ! stopping "$1"; then
        case "$lapse_state" in
            *role:slave*)
                if [ -n "$lapse_master" ] &&
                    [ "$(cli_at "$lapse_master" "${lapse_port:-$REDIS_PORT}" 1 config get replica-priority | tr -d '\r' | tail -n 1)" = 0 ]; then
                    return 0
                fi
                ;;
        esac
    fi
    drop_handover_choice "$1"
}
