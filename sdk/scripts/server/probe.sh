#!/bin/sh
# Kubernetes exec probe for the Redis container.
#
# Usage: probe.sh startup|readiness|liveness TIMEOUT_SECONDS
#
# With PROBE_TARGET=sentinel (the Sentinel sidecar's environment) it probes the Sentinel on
# $SENTINEL_PORT instead of the server, and once the Sentinel answers it sets some of its periods
# (SENTINEL DEBUG; they are not sentinel.conf directives):
#   info-period     how often it reads INFO from the servers: $SENTINEL_INFO_PERIOD_MILLISECONDS
#                   instead of 10 s. A failover promotes the replica with the largest replication
#                   offset as of the Sentinel's last INFO: read more often than
#                   down-after-milliseconds, that INFO was taken after the master stopped, so the
#                   promoted replica holds every write another replica acknowledged (WAIT).
#   publish-period  how often it tells the others its configuration (hello messages):
#                   $SENTINEL_PUBLISH_PERIOD_MILLISECONDS instead of 2 s, so that every Sentinel
#                   names a new master sooner after a failover.
#   tilt-period     how long TILT mode lasts: $SENTINEL_TILT_PERIOD_MILLISECONDS instead of 30 s.
#                   A Sentinel enters TILT when its timer runs more than 2 s late (its process
#                   was frozen or stalled); it then neither acts nor agrees that a master is
#                   down. A few seconds renew its view of every server (INFO every second); 30 s
#                   held a failover back for that long when another fault followed, and fenced
#                   replicas (fence.sh) can no longer be promoted once their link has been down
#                   for ten down-after periods longer than the master.
#   min-link-reconnect-period
#                   how long a connection that does not answer is kept before the Sentinel drops
#                   it and connects again: $SENTINEL_LINK_RECONNECT_MILLISECONDS instead of 15 s.
#                   A connection opened to a pod's Service while its pod is being replaced can be
#                   sent to the old pod's address, where nothing answers (the nodes' Service rules
#                   are a moment behind); for 15 s the Sentinel then found the new pod's server
#                   down, did not reconfigure it in a failover, and the new master refused writes
#                   (min-replicas-to-write) until Sentinel's own correction, a failover timeout
#                   later.
#
#   liveness   passes on any reply to PING, error replies included: MISCONF (a full disk, a
#              failed save), LOADING, BUSY (a long script), NOAUTH/WRONGPASS all come from a
#              live event loop, and a restart would not cure them (it would cost a reload, or
#              a crash loop when the disk is full). It fails only when Redis refuses the
#              connection or does not answer within TIMEOUT_SECONDS (hung, frozen).
#   startup    the same test as liveness: it holds liveness off until Redis first answers,
#              however long it then spends loading its dataset.
#   Sentinel readiness also makes the Sentinel forget replicas and Sentinels that are down and no
#              pods of the deployment any more (forget_departed in lib-sentinel.sh).
#   Sentinel liveness also fails when the Sentinel is stuck naming as the master a server that
#              has run as a replica for longer than the failover timeout, while a majority of the
#              Sentinels agree on another server that runs as the master (see outvoted_by in
#              lib-sentinel.sh): the restart rebuilds its configuration from their view (start.sh).
#   readiness  passes only on PONG: the server takes clients. Otherwise it prints why (the
#              reply, or the absence of one), which the kubelet shows in its events. It never
#              depends on another server: a replica whose master is gone stays ready. A replica,
#              which starts not eligible for promotion (replica-priority 0, see role.sh), becomes
#              eligible here once it has synchronised with its master; one that a master handing
#              over chose, and that still holds that choice when no handover runs (the master was
#              killed before it could give it back), becomes as eligible as any other again
#              (handover_choice_lapsed in lib-common.sh).
#
# The password reaches the cli ($ENGINE_CLI: redis-cli or valkey-cli) through REDISCLI_AUTH,
# never through its arguments.
# Environment: ENGINE_CLI, REDIS_PORT, REDIS_PASSWORD_FILE.
set -eu
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/lib-common.sh"

usage="usage: probe.sh startup|readiness|liveness TIMEOUT_SECONDS"
kind="${1:?$usage}"
timeout_seconds="${2:?$usage}"
target="${PROBE_TARGET:-server}"
if [ "$target" = sentinel ]; then
    server_port=$REDIS_PORT
    REDIS_PORT="${SENTINEL_PORT:?SENTINEL_PORT is not set}"
fi
log_tag="probe $kind"
case "$kind" in
    startup | readiness | liveness) ;;
    *)
        log "unknown probe '$kind'; $usage"
        exit 2
        ;;
esac

use_password
status=0
reply=$(redis_cli "$timeout_seconds" ping 2>&1) || status=$?
# One line for the kubelet's event, whatever the cli printed (AUTH failed: ..., then the reply).
reply=$(printf '%s' "$reply" | tr -s '\r\n' '  ')
reply=${reply% }

# The cli prints a reply, error replies included, as its text; it reports a connection it
# could not open as "Could not connect to Redis at ..." (valkey-cli: "... to Valkey at ...") and
# one lost before any reply as "Error: ...". A wrong password still gets a reply ("AUTH failed:
# WRONGPASS ...").
if [ "$status" -eq 124 ] || [ -z "$reply" ]; then
    log "no answer from redis within ${timeout_seconds}s"
    exit 1
fi
case "$reply" in
    "Could not connect to "* | "Error: "*)
        log "no connection to redis: $reply"
        exit 1
        ;;
esac

if [ "$kind" = readiness ] && [ "$reply" != PONG ]; then
    log "not serving: $reply"
    exit 1
fi
case "$target:$kind" in
    server:readiness)
        promotable_once_synchronised "$timeout_seconds" || true
        handover_choice_lapsed "$timeout_seconds" || true
        ;;
    sentinel:startup | sentinel:readiness)
        # Defaults, not errors, for these: the ConfigMap's scripts reach running pods before the
        # pods roll, so a newer probe may run in a pod whose environment is older.
        redis_cli "$timeout_seconds" sentinel debug info-period "${SENTINEL_INFO_PERIOD_MILLISECONDS:-1000}" \
            publish-period "${SENTINEL_PUBLISH_PERIOD_MILLISECONDS:-500}" \
            tilt-period "${SENTINEL_TILT_PERIOD_MILLISECONDS:-30000}" \
            min-link-reconnect-period "${SENTINEL_LINK_RECONNECT_MILLISECONDS:-15000}" > /dev/null || true
        if [ "$kind" = readiness ]; then
            # shellcheck source=../lib/sentinel.sh
            . "$(dirname "$0")/lib-sentinel.sh"
            # A probe's output reaches no log: what it does is written to the Sentinel's.
            if [ -w /proc/1/fd/1 ]; then
                forget_departed "$timeout_seconds" >> /proc/1/fd/1 2>&1
            else
                forget_departed "$timeout_seconds"
            fi
        fi
        ;;
    sentinel:liveness)
        # shellcheck source=../lib/sentinel.sh
        . "$(dirname "$0")/lib-sentinel.sh"
        state=$(redis_cli "$timeout_seconds" sentinel master "$MASTER_NAME" | tr -d '\r') || exit 0
        field() { printf '%s\n' "$state" | awk -v name="$1" 'previous == name { print; exit } { previous = $0 }'; }
        named=$(field ip)
        if [ "$(field role-reported)" = slave ] && [ "$(field role-reported-time)" -gt "$(field failover-timeout)" ] &&
            agreed=$(REDIS_PORT=$server_port && outvoted_by "$named"); then
            log "this Sentinel names $named the master, a replica for $(field role-reported-time) ms, while the others agree on $agreed: a restart takes their view"
            exit 1
        fi
        ;;
esac
exit 0
