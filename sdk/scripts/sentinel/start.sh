#!/bin/sh
# Mode sentinel: starts the pod's Sentinel ($ENGINE_SERVER --sentinel) as the sidecar's main
# process.
#
# Sentinel rewrites its own configuration file with what it learns (the current master, the
# epochs, the replicas and the other Sentinels). That file lives on the pod's data volume, so
# the Sentinel's view survives restarts and pod recreation. At each start the file is rebuilt:
#   - the learnt state is kept, except replicas and Sentinels that are no longer pods of the
#     deployment (after a scale-down: they would count towards the majority a failover needs),
#     and a replica that is the master it monitors;
#   - the settings come from the ConfigMap's sentinel.conf ($SENTINEL_TEMPLATE), so that a changed
#     timer applies on restart; the quorum of the monitor line too;
#   - the password is appended, from the mounted Secret.
# A saved state that names as the master a server that no longer runs as one, while a majority of
# the Sentinels agree on another that does, is stuck (see outvoted_by in lib-sentinel.sh; the
# liveness probe restarts such a Sentinel): it takes their view instead.
# Without a saved state (a new pod, a lost volume) the Sentinel monitors the master that the
# other Sentinels name, else the server of another pod that runs as the master, else the first
# pod (a new deployment). A Sentinel that starts with an outdated master converges on the others'
# newer configuration (a higher epoch) through their hello messages.
#
# The file holds the password, like the server's data on the same volume; it is created with
# mode 0600.
#
# Environment: that of lib-sentinel.sh, and ENGINE_SERVER, SENTINEL_TEMPLATE, SENTINEL_DIR,
# SENTINEL_QUORUM.
set -eu
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/lib-common.sh"
# shellcheck source=../lib/sentinel.sh
. "$(dirname "$0")/lib-sentinel.sh"

: "${ENGINE_SERVER:?ENGINE_SERVER is not set}"
: "${SENTINEL_TEMPLATE:?SENTINEL_TEMPLATE is not set}"
: "${SENTINEL_DIR:?SENTINEL_DIR is not set}"
: "${SENTINEL_QUORUM:?SENTINEL_QUORUM is not set}"
log_tag=sentinel

check_password_file
umask 077
mkdir -p "$SENTINEL_DIR"
conf="$SENTINEL_DIR/sentinel.conf"
tmp="$conf.tmp"

if [ -s "$conf" ] && grep -q "^sentinel monitor $MASTER_NAME " "$conf"; then
    master=$(awk -v name="$MASTER_NAME" '$1 == "sentinel" && $2 == "monitor" && $3 == name { print $4 }' "$conf")
    use_password
    if agreed=$(outvoted_by "$master"); then
        # See outvoted_by: the saved configuration is stuck on a server that no longer runs as the
        # master. Its epoch is dropped with it; the others' hellos bring the current one.
        log "the saved state names $master the master, which does not run as one, while the other Sentinels agree on $agreed: taking their view"
        master=$agreed
        outvoted=yes
    else
        log "resuming from the saved state in $conf"
        outvoted=no
    fi
    unset REDISCLI_AUTH
    awk -v name="$MASTER_NAME" -v master="$master" -v outvoted="$outvoted" -v quorum="$SENTINEL_QUORUM" -v peers=" $PEER_HOSTS " '
        $1 != "sentinel" { next }
        $2 == "monitor" && $3 == name { print $1, $2, $3, master, $5, quorum; next }
        $2 == "myid" || $2 == "current-epoch" { print; next }
        $2 == "config-epoch" && $3 == name { if (outvoted == "no") print; next }
        $2 == "leader-epoch" && $3 == name { print; next }
        # A replica that is the master now (a saved state older than a failover, taken over from
        # the other Sentinels) is no replica: kept, it made the Sentinel tell the master to
        # replicate from itself.
        $2 == "known-replica" && $3 == name {
            if (index(peers, " " $4 " ") > 0 && $4 != master) print
            next
        }
        $2 == "known-sentinel" && $3 == name {
            if (index(peers, " " $4 " ") > 0) print
            next
        }' "$conf" > "$tmp"
else
    use_password
    master=$(sentinels_master)
    if [ -n "$master" ]; then
        log "no saved state: the other Sentinels name $master the master"
    else
        master=$(servers_master)
        if [ -n "$master" ]; then
            log "no saved state, and no Sentinel names a master: $master runs as one"
        else
            master=$BOOTSTRAP_HOST
            log "no saved state, no Sentinel and no master: a new deployment, whose master is $master"
        fi
    fi
    unset REDISCLI_AUTH
    printf 'sentinel monitor %s %s %s %s\n' "$MASTER_NAME" "$master" "$REDIS_PORT" "$SENTINEL_QUORUM" > "$tmp"
fi

escaped=$(quoted_password)
{
    cat "$SENTINEL_TEMPLATE"
    printf 'sentinel announce-ip %s\n' "$SELF_HOST"
    printf 'requirepass "%s"\n' "$escaped"
    printf 'sentinel auth-pass %s "%s"\n' "$MASTER_NAME" "$escaped"
    printf 'sentinel sentinel-pass "%s"\n' "$escaped"
} >> "$tmp"
unset escaped
mv "$tmp" "$conf"

log "starting $ENGINE_SERVER --sentinel with $conf"
exec "$ENGINE_SERVER" "$conf" --sentinel
