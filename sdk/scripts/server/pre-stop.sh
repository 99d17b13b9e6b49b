#!/bin/sh
# Mode sentinel: the server container's preStop hook. A master that is asked to stop (a rolling
# update, a drain, a deleted pod) first hands the master role over, so that clients lose no
# acknowledged write and wait about a second instead of failing:
#   1. writes are paused (CLIENT PAUSE WRITE): a client's write waits instead of landing on a
#      server that is about to stop being the master;
#   2. the replicas catch up with every write the master accepted (the offsets they report
#      reach the master's), for at most $CATCH_UP_SECONDS;
#   3. the Sentinels fail over (SENTINEL FAILOVER): they promote the replica with the most data;
#   4. once they name the new master, the clients are disconnected: a Sentinel-aware client
#      reconnects to the new master and sends its waiting commands again.
# A replica, or a master with no replica to hand over to, stops at once. If the Sentinels promote
# nobody within $FAILOVER_WAIT_SECONDS, writes resume and the server stops as it would without
# the hook (the Sentinels then fail over after down-after-milliseconds).
#
# Environment: that of lib-sentinel.sh, and CATCH_UP_SECONDS, FAILOVER_WAIT_SECONDS,
# HANDOVER_PAUSE_MILLISECONDS.
set -eu
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/lib-common.sh"
# shellcheck source=../lib/sentinel.sh
. "$(dirname "$0")/lib-sentinel.sh"

: "${CATCH_UP_SECONDS:?CATCH_UP_SECONDS is not set}"
: "${FAILOVER_WAIT_SECONDS:?FAILOVER_WAIT_SECONDS is not set}"
: "${HANDOVER_PAUSE_MILLISECONDS:?HANDOVER_PAUSE_MILLISECONDS is not set}"
log_tag=pre-stop
# The kubelet keeps a hook's output to itself: write to the container's log instead (the server's
# stdout), so that a handover can be followed with kubectl logs.
if [ -w /proc/1/fd/1 ]; then
    exec >> /proc/1/fd/1 2>&1
fi
use_password

replication=$(redis_cli 2 info replication | tr -d '\r') || exit 0
case "$replication" in
    *role:master*) ;;
    *) exit 0 ;;
esac
if [ "$(sentinels_known_replicas)" -eq 0 ]; then
    log "no replica to hand the master over to"
    exit 0
fi

# caught_up: every replica of this master has applied its whole replication stream, as each
# replica reports it itself. (The master's own view, the offsets the replicas acknowledged, can
# be a second old: a replica acknowledges once a second.)
caught_up() {
    own=$(redis_cli 2 info replication | tr -d '\r') || return 1
    target=$(printf '%s\n' "$own" | awk -F: '/^master_repl_offset:/ { print $2 }')
    replicas=$(printf '%s\n' "$own" |
        awk -F '[:,=]' '/^slave[0-9]+:/ { for (i = 2; i < NF; i++) if ($i == "ip") print $(i + 1) }')
    [ -n "$target" ] && [ -n "$replicas" ] || return 1
    for replica in $replicas; do
        applied=$(cli_at "$replica" "$REDIS_PORT" 1 info replication | tr -d '\r' |
            awk -F: '/^slave_repl_offset:/ { print $2 }')
        [ -n "$applied" ] && [ "$applied" -ge "$target" ] || return 1
    done
}

log "handing the master over"
redis_cli 2 client pause "$HANDOVER_PAUSE_MILLISECONDS" write > /dev/null
deadline=$(($(date +%s) + CATCH_UP_SECONDS))
paused_ms=$(now_ms)
fresh_view_seconds=0
until caught_up; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        # A replica lags: the Sentinel must choose by offsets read after the pause, not before.
        log "the replicas did not catch up within ${CATCH_UP_SECONDS}s; failing over to the one with the most data"
        fresh_view_seconds=2
        break
    fi
    sleep 0.05
done

# With every replica caught up (fresh_view_seconds 0), whichever the Sentinel promotes loses
# nothing, whatever the age of its view.
reply=$(request_failover "$paused_ms" "$fresh_view_seconds") || true
log "asked the Sentinels to fail over: ${reply:-no Sentinel answered}"
deadline=$(($(date +%s) + FAILOVER_WAIT_SECONDS))
while :; do
    # Once every answering Sentinel names the new master, a client that reconnects finds it.
    named=$(ask_every "$SENTINEL_PORT" sentinel get-master-addr-by-name "$MASTER_NAME" | awk -F '\t' '{ split($2, a, " "); print a[1] }' | sort -u)
    if [ -n "$named" ] && [ "$named" != "$SELF_HOST" ] && [ "$(printf '%s\n' "$named" | grep -c '')" -eq 1 ]; then
        log "the Sentinels name $named the master; disconnecting the clients"
        redis_cli 2 client kill type normal > /dev/null || true
        redis_cli 2 client kill type pubsub > /dev/null || true
        exit 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        log "no replica was promoted within ${FAILOVER_WAIT_SECONDS}s; resuming writes and stopping"
        redis_cli 2 client unpause > /dev/null || true
        exit 0
    fi
    sleep 0.05
done
