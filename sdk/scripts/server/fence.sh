#!/bin/sh
# Mode sentinel: the fence, a sidecar that keeps this pod's server, while it is a replica, from
# acknowledging writes of a master that may already have been replaced.
#
# Why: Sentinel promotes a replica first and points the other replicas at it afterwards (up to a
# second later: it sees the promotion in its next INFO). A master that stopped answering without
# dropping its connections (a stopped or frozen process, a paused machine, a long stall) keeps
# its replicas' links and its clients' pending commands. Should it resume in that gap, it runs
# the pending writes as the master and a replica still attached to it confirms them (WAIT); the
# Sentinels then turn both into replicas of the promoted server, which lacks those writes, and
# the full resynchronisation drops them. Measured on the cluster: 3 of 8 freezes thawed the
# moment a Sentinel named the new master lost 109 to 287 writes that WAIT 1 had acknowledged.
#
# So a replica detaches from a master that has not answered for $FENCE_AFTER_MILLISECONDS (shorter
# than down-after, so that it is detached before any Sentinel can find the master down, let alone
# promote another server), unless the replication link still streams (a master whose Service no
# longer leads to it, while it stops: see below). It detaches by pointing its replication at a
# port of the same host where nothing listens (detach_from in lib-sentinel.sh): it keeps its data,
# its replication ID and offset, stays eligible for promotion, and continues without a full
# resynchronisation from whichever server it is pointed at next. The fence pings the master every
# $FENCE_CHECK_MILLISECONDS ms, each PING given no longer than what is left of the delay (at least
# 100 ms), so that it acts within about 100 ms of it, and reads its own server's state once a
# second. A master without attached replicas
# confirms no write (WAIT) and, with min-replicas-to-write, refuses writes.
#
# While its server runs as the master, the fence steps it down the moment another server replaces
# it (see successor in lib-sentinel.sh: a failover of a master that was frozen, cut off, or asked
# to stop by hand): it detaches it from the new master, which a Sentinel that missed the new
# master's name would otherwise turn back into a replica of this one.
#
# It attaches again (port $REDIS_PORT) only when the master answers and every answering Sentinel,
# a majority of them, names that master with no flag but "master": not subjectively or
# objectively down, no failover in progress. After a failover the Sentinels point it at the
# promoted server themselves, as they do any replica.
#
# Environment: that of lib-sentinel.sh, and FENCE_AFTER_MILLISECONDS, FENCE_CHECK_MILLISECONDS.
set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/lib-common.sh"
# shellcheck source=../lib/sentinel.sh
. "$(dirname "$0")/lib-sentinel.sh"

: "${FENCE_AFTER_MILLISECONDS:?FENCE_AFTER_MILLISECONDS is not set}"
: "${FENCE_CHECK_MILLISECONDS:?FENCE_CHECK_MILLISECONDS is not set}"
log_tag=fence

# A PING gets at most half the fence delay, at most half a second, and at least 100 ms.
ping_limit_ms=$((FENCE_AFTER_MILLISECONDS / 2))
[ "$ping_limit_ms" -le 500 ] || ping_limit_ms=500
[ "$ping_limit_ms" -ge 100 ] || ping_limit_ms=100

# ping_budget SILENT_MS: sets in_seconds to how long the next PING may take: no longer than what
# is left of the fence delay after SILENT_MS without an answer.
ping_budget() {
    budget_ms=$((FENCE_AFTER_MILLISECONDS - $1))
    [ "$budget_ms" -le "$ping_limit_ms" ] || budget_ms=$ping_limit_ms
    [ "$budget_ms" -ge 100 ] || budget_ms=100
    in_seconds "$budget_ms"
}

# look: reads this pod's server's replication state into role, host and port (role is empty when
# it does not answer); for a master, into fresh: how many replicas are attached to it with an
# acknowledgement of its stream at most 2 s old (lag); for a replica, into streaming: yes when its
# link to the master is up and has received data within the current second of the server's clock
# (master_last_io_seconds_ago 0).
look() {
    # shellcheck disable=SC2046 # five words
    set -- $(redis_cli 1 info replication 2> /dev/null |
        awk -F: '{ sub(/\r$/, "") } $1 == "role" { role = $2 } $1 == "master_host" { host = $2 } $1 == "master_port" { port = $2 }
            $1 == "master_link_status" { link = $2 } $1 == "master_last_io_seconds_ago" { io = $2 }
            $1 ~ /^slave[0-9]+$/ && $2 ~ /state=online/ { if (match($2, /lag=[0-9]+/) && substr($2, RSTART + 4, RLENGTH - 4) + 0 <= 2) fresh++ }
            END { if (role != "") print role, fresh + 0, (link == "up" && io == "0" ? "yes" : "no"), host, port }')
    role=${1:-}
    fresh=${2:-0}
    streaming=${3:-no}
    host=${4:-}
    port=${5:-}
}

# answers HOST SECONDS: the server at HOST answers a PING within SECONDS (any reply: a loading or
# busy server is alive). It asks the address HOST last resolved to, and resolves the name again
# only when that address does not answer (the pod may have been recreated with another): an
# established replication link does not depend on DNS, nor may the fence (a DNS outage, a cached
# negative answer).
answers() {
    if [ -n "$last_address" ] && [ -n "$(cli_at "$last_address" "$REDIS_PORT" "$2" ping)" ]; then
        return 0
    fi
    address=$(getent hosts "$1" | awk 'NR == 1 { print $1 }')
    [ -n "$address" ] && [ "$address" != "$last_address" ] || return 1
    last_address=$address
    [ -n "$(cli_at "$address" "$REDIS_PORT" "$2" ping)" ]
}

# settled_on HOST: a majority of the Sentinels answer, and each that answers names HOST the master
# with the flags "master" only.
settled_on() {
    # shellcheck disable=SC2046 # four numbers
    set -- $(sentinel_votes "$1")
    [ "$3" -ge "$4" ] && [ "$1" -eq "$3" ]
}

# The container's first process: without a handler it would ignore the kubelet's SIGTERM and hold
# the pod's deletion for its whole grace period.
trap 'exit 0' TERM INT

check_password_file || exit 1
use_password
log "a replica detaches from a master that has not answered for ${FENCE_AFTER_MILLISECONDS} ms"

# The server's state is read once a second, and again right before acting on it: the Sentinels
# may have pointed it at another master, or promoted it, in between.
# shellcheck disable=SC2086 # counting the words
other_pods=$(($(set -- $PEER_HOSTS && echo $#) - 1))
role=
fresh=0
streaming=no
link_only=
host=
port=
followed=
last_address=
last_heard=$(now_ms)
last_look=0
while :; do
    now=$(now_ms)
    if [ $((now - last_look)) -ge 1000 ]; then
        look
        last_look=$now
        if [ "$role" != slave ]; then
            followed=
        elif [ "$host" != "$followed" ]; then
            followed=$host
            last_address=
            last_heard=$now
        fi
        # Another server can have replaced this master only if one of the other pods' servers is no
        # longer attached to it: the Sentinels are asked only then. A master that is stopping is
        # left to its preStop hook, which steps it down itself and then waits for the Sentinels.
        if [ "$role" = master ] && [ "$fresh" -lt "$other_pods" ] && ! stopping 1 && replacement=$(successor) && detach_from "$replacement"; then
            log "$replacement replaces this server as the master: stepped down, detached from it"
            role=slave
            host=$replacement
            port=$DETACHED_PORT
            followed=$host
            last_address=
            last_heard=$now
        fi
        ping_budget 0
        # A server that is stopping stays detached: attached, it would confirm the new master's writes
        # (WAIT) in its last moments, in place of a replica that stays.
        if [ "$role" = slave ] && [ "$port" = "$DETACHED_PORT" ] && ! stopping 1 && answers "$host" "$in_seconds" && settled_on "$host"; then
            if redis_cli 1 replicaof "$host" "$REDIS_PORT" > /dev/null 2>&1; then
                log "$host answers and the Sentinels agree it is the master: attached to it again"
                port=$REDIS_PORT
                last_heard=$(now_ms)
            fi
        fi
    fi
    checked=$now
    if [ "$role" = slave ] && [ "$port" = "$REDIS_PORT" ]; then
        ping_budget $((now - last_heard))
        heard=
        answers "$followed" "$in_seconds" && heard=yes
        checked=$(now_ms)
        if [ -n "$heard" ]; then
            last_heard=$checked
            link_only=
        elif [ $((checked - last_heard)) -ge "$FENCE_AFTER_MILLISECONDS" ]; then
            look
            last_look=$(now_ms)
            if [ "$role" = slave ] && [ "$host" = "$followed" ] && [ "$port" = "$REDIS_PORT" ]; then
                # A master whose Service no longer leads to it (its pod was deleted, or force-deleted
                # and recreated under the same name) keeps its established connections, and keeps
                # taking writes until it stops: its replicas must stay attached while it streams to
                # them. Detached one after another, each would hold a different share of the writes
                # that WAIT confirmed, and the Sentinels could promote the one holding less. A frozen
                # or cut-off master streams nothing: its link has been silent for a second by now.
                if [ "$streaming" = yes ]; then
                    if [ -z "$link_only" ]; then
                        log "$host has not answered for $((last_look - last_heard)) ms, but streams to this replica over its replication link: staying attached"
                        link_only=yes
                    fi
                    last_heard=$last_look
                elif detach_from "$host"; then
                    log "$host has not answered for $(($(now_ms) - last_heard)) ms: detached from it"
                    port=$DETACHED_PORT
                    link_only=
                    # A silent master hands nothing over: a failover after a crash must promote by
                    # the data alone (see handover_choice_lapsed).
                    drop_handover_choice 1
                fi
            fi
        fi
    fi
    # The period counts from the start of the check: after a PING that waited out its time, the
    # next follows at once.
    sleep_ms $((FENCE_CHECK_MILLISECONDS - (checked - now)))
done
