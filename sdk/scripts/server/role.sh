#!/bin/sh
# Mode sentinel: decides, before the server starts, whether it starts as the master or as a
# replica and of whom, writes that to $REDIS_ROLE_CONF (which redis.conf includes), then runs
# start.sh. The pod's Sentinel is a sidecar that the kubelet starts first, so its persisted view
# is available here.
#
# The rules, in order:
#   1. The Sentinels name another server: replicate from it.
#   2. The Sentinels name this server, and know replicas of it: this server stopped while it was
#      the master (a crash, a lost node) and a replica may hold writes this server never
#      persisted. It must not come back as the master: while this script runs the server does
#      not answer, so the Sentinels find it down after down-after-milliseconds and fail over,
#      electing their leader as for any failure; it then starts as a replica of the server they
#      promoted. It does not ask for a failover itself: a requested failover skips the election
#      and could take the same epoch as the one the Sentinels are electing for, leaving them
#      with two masters of one epoch for good (see request_failover). Only when no other server
#      has answered for $LONELY_SECONDS, or nothing was promoted after $FAILOVER_WAIT_SECONDS,
#      does it start as the master with the data on its volume, saying why.
#      Unless every replica restarted too (a restart of every pod, of every node) and none has
#      synchronised since: the Sentinels cannot choose among those (none is eligible, see below),
#      and nothing tells which holds the most (a server that loaded an append-only file knows no
#      replication offset). This server holds every write it confirmed as fsynced (WAITAOF), and
#      every write it wrote to its append-only file before sending it to its replicas, which is
#      every write but those of a moment when its background fsync ran under `appendfsync
#      everysec` (Redis then holds the file write back, up to 2 s, and sends on): so this server
#      starts as the master at once with the data on its volume. Without a dataset of its own (its volume was lost
#      too), it makes the replica whose data holds the longest replication history eligible, and
#      waits for the Sentinels to promote it.
#   3. The Sentinels name this server and know no replica (a new deployment): the master.
#   4. No Sentinel answers with a master: a server already running as the master, else the
#      first pod (a new deployment).
# Every replica starts not eligible for promotion (replica-priority 0), and becomes eligible once
# it has synchronised with its master (probe.sh). Until then what it reports is no ground for
# the Sentinels' choice: a server that started without data has nothing, and one that reloaded
# an append-only file reports the replication offset 1, whatever its data holds, so that the
# Sentinels would promote a replica at random and the others would resynchronise from it,
# losing what it lacked. So an empty server can never become the master and wipe the others.
#
# Environment: that of start.sh and lib-sentinel.sh, and REDIS_ROLE_CONF, REDIS_DATA_DIR,
# LONELY_SECONDS, FAILOVER_WAIT_SECONDS.
set -eu
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/lib-common.sh"
# shellcheck source=../lib/sentinel.sh
. "$(dirname "$0")/lib-sentinel.sh"

: "${REDIS_ROLE_CONF:?REDIS_ROLE_CONF is not set}"
: "${REDIS_DATA_DIR:?REDIS_DATA_DIR is not set}"
: "${LONELY_SECONDS:?LONELY_SECONDS is not set}"
: "${FAILOVER_WAIT_SECONDS:?FAILOVER_WAIT_SECONDS is not set}"
log_tag=role

check_password_file
use_password

# has_dataset: this volume holds data written by a server (a snapshot or an append-only file).
has_dataset() {
    [ -s "$REDIS_DATA_DIR/dump.rdb" ] || [ -n "$(ls -A "$REDIS_DATA_DIR/appendonlydir" 2>/dev/null)" ]
}

master=
started=$(date +%s)
last_answer=$started
waiting=no
made_eligible=
while :; do
    master=$(sentinels_master)
    if [ -z "$master" ]; then
        master=$(servers_master)
        if [ -n "$master" ]; then
            log "no Sentinel names a master; $master runs as one"
        else
            master=$BOOTSTRAP_HOST
            log "no Sentinel names a master and no server runs as one: a new deployment, whose master is $master"
        fi
        break
    fi
    if [ "$master" != "$SELF_HOST" ]; then
        log "the Sentinels name $master the master"
        break
    fi
    known=$(sentinels_known_replicas)
    if [ "$known" -eq 0 ]; then
        log "the Sentinels name this server the master and know no replica of it"
        break
    fi
    if [ "$waiting" = no ]; then
        log "the Sentinels name this server the master and know $known replicas: it stopped as the master, so it waits for them to promote a replica"
        waiting=yes
    fi
    replicas=$(other_replicas)
    answering=$(printf '%s' "$replicas" | grep -c '' || true)
    eligible=$(printf '%s\n' "$replicas" | awk 'NF == 3 && $2 != 0' | grep -c '' || true)
    if [ "$answering" -ge "$known" ] && [ "$eligible" -eq 0 ]; then
        if has_dataset; then
            log "every replica ($answering) restarted and none has synchronised since: this server, which holds every write it confirmed as fsynced, starts as the master with the data on this volume"
            break
        fi
        if [ -z "$made_eligible" ]; then
            made_eligible=$(printf '%s\n' "$replicas" | sort -k3,3nr | awk 'NR == 1 { print $1 }')
            log "every replica restarted and this volume holds no dataset: making $made_eligible, whose data holds the longest replication history, eligible for promotion"
            cli_at "$made_eligible" "$REDIS_PORT" 1 config set replica-priority "$PROMOTABLE_PRIORITY" > /dev/null || made_eligible=
        fi
    fi
    now=$(date +%s)
    if [ "$(servers_answering)" -gt 0 ]; then
        last_answer=$now
    fi
    if [ $((now - last_answer)) -ge "$LONELY_SECONDS" ]; then
        log "no other server has answered for ${LONELY_SECONDS}s: starting as the master with the data on this volume"
        break
    fi
    if [ $((now - started)) -ge "$FAILOVER_WAIT_SECONDS" ]; then
        log "no replica was promoted within ${FAILOVER_WAIT_SECONDS}s: starting as the master with the data on this volume"
        break
    fi
    sleep 1
done

umask 077
tmp="$REDIS_ROLE_CONF.tmp"
{
    printf 'replica-announce-ip %s\n' "$SELF_HOST"
    if [ "$master" = "$SELF_HOST" ]; then
        log "starting as the master"
    else
        log "starting as a replica of $master"
        printf 'replicaof %s %s\n' "$master" "$REDIS_PORT"
        if has_dataset; then
            log "not eligible for promotion until it has synchronised with $master"
        else
            log "no dataset on this volume: not eligible for promotion until it has synchronised with $master"
        fi
        printf 'replica-priority 0\n'

    fi
} > "$tmp"
mv "$tmp" "$REDIS_ROLE_CONF"

# The server must not inherit the password in its environment.
unset REDISCLI_AUTH
exec sh "$(dirname "$0")/server-start.sh"
