#!/bin/sh
# Mode sentinel: the server container's preStop hook. A master that is asked to stop (a rolling
# update, a drain, a deleted pod) first hands the master role over, so that clients lose no
# acknowledged write and wait about a second instead of failing:
#   0. every other server that is not in sync with the master yet (its pod restarted just before)
#      gets in sync, for at most $SYNC_WAIT_SECONDS, while writes still flow (a replica that stops
#      waits so too: the master would be left without a good replica);
#   1. writes still flowing, it chooses the replica to promote, makes it the Sentinel's first
#      choice, and waits (about a second) for the moment when a failover requested then is seen
#      done soonest (choose_handover_target in lib-sentinel.sh);
#   2. writes are paused (CLIENT PAUSE WRITE): a client's write waits instead of landing on a
#      server that is about to stop being the master;
#   3. the replicas catch up with every write the master accepted (the offsets they report
#      reach the master's), for at most $CATCH_UP_SECONDS;
#   4. the Sentinels fail over (SENTINEL FAILOVER): they promote the chosen replica, which holds
#      every write now (when a replica lags, the choice is undone first, and they promote the
#      replica with the most data);
#   5. the moment the promoted replica runs as the master, this server steps down: it becomes a
#      replica attached to nothing (see successor in lib-sentinel.sh for why);
#   6. once a majority of the Sentinels name the new master, and it has the replicas it needs to
#      take writes (for at most $CATCH_UP_SECONDS), the clients are disconnected: a Sentinel-aware
#      client reconnects to the new master and sends its waiting commands again.
# Whatever its role, the server is made unpromotable first. A replica then stops after step 0; so
# does a master with no replica to hand over to. A failover the Sentinel abandons (the replica it
# promoted stopped at the same moment) is asked for once more. If the Sentinels promote
# nobody within $FAILOVER_WAIT_SECONDS, writes resume and the server stops as it would without the
# hook (the Sentinels then fail over after down-after-milliseconds).
#
# Environment: that of lib-sentinel.sh, and SYNC_WAIT_SECONDS, CATCH_UP_SECONDS,
# FAILOVER_WAIT_SECONDS, HANDOVER_PAUSE_MILLISECONDS.
set -eu
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/lib-common.sh"
# shellcheck source=../lib/sentinel.sh
. "$(dirname "$0")/lib-sentinel.sh"

: "${SYNC_WAIT_SECONDS:?SYNC_WAIT_SECONDS is not set}"
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
# A server that stops is no candidate for a failover that may be under way at the same moment (a
# scale-down or a drain that stops the master too), nor, once it has handed over, for the next
# one: the Sentinels read the priority within a second.
server_run_id 2 > "$STOPPING_MARK" || true
redis_cli 2 config set replica-priority 0 > /dev/null || true

# Another server that is not in sync with the master yet (its pod restarted a moment ago: a
# rolling update moves on as soon as a restarted pod answers, and it may still be connecting to
# the master or in its full synchronisation) leaves the master without a good replica once this
# server stops: the master would refuse writes (min-replicas-to-write), or the new master of a
# handover would, while that replica starts over from it. Wait until every other server that
# answers replicates from the master with its link up and its synchronisation done, writes still
# flowing, for at most $SYNC_WAIT_SECONDS. Not once the master has stopped (every pod stopping at
# once): nothing can get in sync then.
case "$replication" in
    *role:master*) master_host=$SELF_HOST ;;
    *) master_host=$(printf '%s\n' "$replication" | awk -F: '$1 == "master_host" { print $2 }') ;;
esac
not_in_sync() {
    if [ "$master_host" = "$SELF_HOST" ] || [ "$(server_role "$master_host")" = master ]; then
        servers_not_following "$master_host" in-sync
    fi
}
if [ -n "$master_host" ] && [ -n "$(not_in_sync)" ]; then
    log "$(not_in_sync | tr '\n' ' ')not in sync with $master_host yet; stopping once they are"
    sync_deadline=$(($(date +%s) + SYNC_WAIT_SECONDS))
    while [ -n "$(not_in_sync)" ]; do
        if [ "$(date +%s)" -ge "$sync_deadline" ]; then
            log "$(not_in_sync | tr '\n' ' ')still not in sync after ${SYNC_WAIT_SECONDS}s; stopping anyway"
            break
        fi
        sleep 0.2
    done
fi

case "$replication" in
    *role:master*) ;;
    *) exit 0 ;;
esac
# The master's own count: the Sentinels read it every second, and under load they may not answer
# within the second that asking them is allowed.
if [ "$(printf '%s\n' "$replication" | awk -F: '$1 == "connected_slaves" { print $2 }')" = 0 ]; then
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

# accepts_writes HOST: the server at HOST has as many good replicas as its min-replicas-to-write
# asks for; it refuses writes (NOREPLICAS) until then.
accepts_writes() {
    wanted=$(cli_at "$1" "$REDIS_PORT" 1 config get min-replicas-to-write | tr -d '\r' | tail -n 1)
    good=$(cli_at "$1" "$REDIS_PORT" 1 info replication | tr -d '\r' |
        awk -F: '$1 == "min_slaves_good_slaves" || $1 == "min_replicas_good_replicas" { print $2 }')
    [ "${wanted:-0}" -eq 0 ] || [ "${good:-0}" -ge "$wanted" ]
}

# own_master_host: the server this pod's server replicates from; nothing while it is a master.
own_master_host() {
    redis_cli 1 info replication 2> /dev/null | tr -d '\r' | awk -F: '$1 == "master_host" { print $2 }'
}

# Writes still flowing, the replica to promote is chosen, and the failover request is timed to the
# Sentinel's reads of it (see choose_handover_target). The choice is given back on every way out.
trap release_handover_target EXIT
choose_handover_target
log "handing the master over${handover_target:+ to $handover_target}${info_phase_age:+ (the request reaching the Sentinel about ${info_phase_age} ms after its last read of it)}"
redis_cli 2 client pause "$HANDOVER_PAUSE_MILLISECONDS" write > /dev/null
deadline=$(($(date +%s) + CATCH_UP_SECONDS))
paused_ms=$(now_ms)
fresh_view_seconds=0
until caught_up; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        # A replica lags: the Sentinel must choose by offsets read after the pause, not before.
        log "the replicas did not catch up within ${CATCH_UP_SECONDS}s; failing over to the one with the most data"
        release_handover_target || log "could not give $handover_target its priority back: it may be promoted whatever its data"
        fresh_view_seconds=2
        break
    fi
    sleep 0.05
done

# With every replica caught up (fresh_view_seconds 0), whichever the Sentinel promotes loses
# nothing, whatever the age of its view. Otherwise its view must be newer than the choice given
# back, which is newer than the pause.
reply=$(request_failover "$(now_ms)" "$fresh_view_seconds") || true
requested_ms=$(now_ms)
case "$reply" in
    *": OK") asked_sentinel=${reply%%:*} ;;
    *) asked_sentinel= ;;
esac
log "asked the Sentinels to fail over $((requested_ms - paused_ms)) ms after the pause: ${reply:-no Sentinel answered}"
deadline=$(($(date +%s) + FAILOVER_WAIT_SECONDS))
detached=
asked_again=
abandon_checked_ms=0
# A requested failover that is not abandoned is seen through within 1 to 3 s (the promotion, then
# a majority of the Sentinels naming the new master).
REQUESTED_FAILOVER_SECONDS=5
while :; do
    # A failover the Sentinel gave up on is asked for again, once: the replica it promoted stopped
    # before it took over (a scale-down or a rolling update stopping it at the same moment; it was
    # made unpromotable too late for the Sentinel's view), and the Sentinel abandoned the failover
    # a failover-timeout later (-failover-abort-slave-timeout). Writes are still paused, so every
    # replica that remains still holds every write. Only the Sentinel that was asked can tell: it
    # leads the failover, and the others report none. Checked twice a second; the wait is
    # extended to let the second failover finish.
    if [ -z "$detached" ] && [ -z "$asked_again" ] && [ -n "$asked_sentinel" ] &&
        [ $(($(now_ms) - requested_ms)) -ge 2000 ] && [ $(($(now_ms) - abandon_checked_ms)) -ge 500 ]; then
        abandon_checked_ms=$(now_ms)
        if failover_abandoned "$asked_sentinel"; then
            asked_again=yes
            reply=$(request_failover "$paused_ms" 0) || true
            log "$asked_sentinel abandoned the failover $(($(now_ms) - requested_ms)) ms after the request; asked again: ${reply:-no Sentinel answered}"
            extended=$(($(date +%s) + REQUESTED_FAILOVER_SECONDS))
            [ "$extended" -le "$deadline" ] || deadline=$extended
        fi
    fi
    # The moment a Sentinel has promoted a replica, this server stops reporting the role master:
    # see successor.
    if [ -z "$detached" ] && promoted=$(successor) && detach_from "$promoted"; then
        detached=$promoted
        log "$detached runs as the master $(($(now_ms) - requested_ms)) ms after the request: stepped down, detached from it"
        # When the Sentinel last read it, off the handover's path: it sees the promotion at its first read after it.
        if [ -n "$asked_sentinel" ]; then
            (
                # shellcheck disable=SC2046 # three words
                set -- $(replica_view "$asked_sentinel" "$detached")
                [ $# -eq 3 ] && log "the Sentinel asked had read it $1 ms ago as $2"
            ) &
        fi
    fi
    # Once a majority of the Sentinels name the new master, a client that reconnects finds it: it
    # asks the Sentinels one after the other, and a Sentinel that still names this server (it missed
    # the new master's name) sends it here, where it finds a replica and asks again.
    # The server must be that which this one stepped down for, or one it already replicates from
    # (the Sentinels may have turned it into a replica of the new master first).
    named=$(majority_master)
    if [ -n "$named" ] && [ "$named" != "$SELF_HOST" ] &&
        { [ "$named" = "$detached" ] || [ "$(own_master_host)" = "$named" ]; }; then
        # Clients that reconnect find the new master taking writes: it refuses them (NOREPLICAS)
        # until enough replicas are attached, which the Sentinels ask of the other replicas only
        # after the promotion. Writes stay paused here meanwhile, for at most $CATCH_UP_SECONDS.
        named_ms=$(now_ms)
        ready_deadline=$(($(date +%s) + CATCH_UP_SECONDS))
        until accepts_writes "$named" || [ "$(date +%s)" -ge "$ready_deadline" ]; do
            sleep 0.05
        done
        log "the Sentinels name $named the master $((named_ms - requested_ms)) ms after the request, and it takes writes $(($(now_ms) - named_ms)) ms later; disconnecting the clients"
        redis_cli 2 client kill type normal > /dev/null || true
        redis_cli 2 client kill type pubsub > /dev/null || true
        # The pod stops once every other server that answers replicates from the new master: should
        # this pod's Sentinel lead the failover, it has pointed them there by then.
        until [ -z "$(servers_not_following "$named")" ]; do
            if [ "$(date +%s)" -ge "$deadline" ]; then
                log "$(servers_not_following "$named" | tr '\n' ' ')still not replicating from $named; stopping"
                exit 0
            fi
            sleep 0.1
        done
        exit 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        if [ -n "$detached" ]; then
            log "no majority of the Sentinels named $detached the master within ${FAILOVER_WAIT_SECONDS}s; stopping as its detached replica"
        else
            log "no replica was promoted within ${FAILOVER_WAIT_SECONDS}s; resuming writes and stopping"
        fi
        redis_cli 2 client unpause > /dev/null || true
        exit 0
    fi
    sleep 0.05
done
