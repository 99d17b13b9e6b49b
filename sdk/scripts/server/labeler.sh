#!/bin/sh
# Mode sentinel: the labeler, a sidecar that keeps this pod's role label ($ROLE_LABEL) current, so
# that the primary Service (label $MASTER_ROLE) reaches the master and the read Service (label
# $REPLICA_ROLE) the replicas, for clients that do not speak Sentinel.
#
# Once a second it reads its own server's role (five times a second for a while after its server
# was promoted, until it is labelled; a master labelled so already asks the Sentinels every
# $MASTER_RECHECK_MILLISECONDS ms only: the labeler of a master that replaces it takes its label
# away):
# - a replica is labelled $REPLICA_ROLE (a detached one too: it serves reads that lag);
# - a master is labelled $MASTER_ROLE once a majority of the Sentinels name it the master with no
#   flag but "master", or, sooner, once the Sentinel leading a failover lists it as the replica it
#   promoted (the others name it only when the failover ends, about a second later). It keeps the
#   label until a majority of the Sentinels answer and none names it (so losing Sentinels, or a
#   moment flagged down, takes no label away). A master they do not name (one that was cut off
#   and replaced, one that restarted before the Sentinels moved it, one that just started) carries
#   no role label, so the primary Service never reaches two masters for longer than it takes the
#   labeler of the master they name to act: that labeler also removes the label from any other
#   pod that still carries $MASTER_ROLE (its own labeler may be cut off from the API, or stopped
#   with its node), right after the Sentinels named its own server, never on an older answer.
# - a server that does not answer keeps its label: it may be busy; the pod's readiness, not its
#   label, takes a silent server out of the Services.
# The label is read back from the API every 30 s, so that a label changed by anything else is put
# right.
#
# Environment: that of lib-sentinel.sh, and KUBECTL, ROLE_LABEL, MASTER_ROLE, REPLICA_ROLE.
set -u
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/lib-common.sh"
# shellcheck source=../lib/sentinel.sh
. "$(dirname "$0")/lib-sentinel.sh"

: "${KUBECTL:?KUBECTL is not set}"
: "${ROLE_LABEL:?ROLE_LABEL is not set}"
: "${MASTER_ROLE:?MASTER_ROLE is not set}"
: "${REPLICA_ROLE:?REPLICA_ROLE is not set}"
log_tag=labeler

# No role label: a master the Sentinels do not name.
NO_ROLE=none
RECHECK_MILLISECONDS=30000
MASTER_RECHECK_MILLISECONDS=5000
PROMOTION_WATCH_MILLISECONDS=10000

# kube ARGS...: kubectl in this pod's namespace, with its service account, given up after 5 s.
# (Not with --request-timeout: any such flag keeps kubectl from using the pod's credentials.)
kube() {
    timeout 5 "$KUBECTL" --cache-dir=/tmp/kubectl-cache "$@"
}

# label_of POD: the pod's role label, $NO_ROLE when it has none; nothing when the API does not answer.
label_of() {
    value=$(kube get pod "$1" --ignore-not-found -o go-template="{{index .metadata.labels \"$ROLE_LABEL\"}}") || return 1
    case "$value" in
        "" | "<no value>") echo "$NO_ROLE" ;;
        *) echo "$value" ;;
    esac
}

# set_label POD ROLE: labels POD with ROLE, or removes its label for $NO_ROLE.
set_label() {
    if [ "$2" = "$NO_ROLE" ]; then
        kube label pod "$1" "$ROLE_LABEL-" > /dev/null
    else
        kube label pod "$1" --overwrite "$ROLE_LABEL=$2" > /dev/null
    fi
}

# unlabel_other_masters: removes the master label from every other pod that carries it.
unlabel_other_masters() {
    for peer in $PEER_HOSTS; do
        peer=${peer%%.*}
        [ "$peer" != "$POD_NAME" ] || continue
        if [ "$(label_of "$peer")" = "$MASTER_ROLE" ] && set_label "$peer" "$NO_ROLE"; then
            log "removed $MASTER_ROLE from $peer: the Sentinels name this pod's server the master"
        fi
    done
}

# own_role: this pod's server's role (master, slave); nothing when it does not answer.
own_role() {
    redis_cli 1 info replication 2> /dev/null | tr -d '\r' | awk -F: '$1 == "role" { print $2 }'
}

# The container's first process: without a handler it would ignore the kubelet's SIGTERM and hold
# the pod's deletion for its whole grace period.
trap 'exit 0' TERM INT

check_password_file || exit 1
use_password
log "keeps $ROLE_LABEL of pod $POD_NAME current"

labelled=
last_read=0
last_vote=0
role=
promoted_at=0
while :; do
    now=$(now_ms)
    previous_role=$role
    role=$(own_role)
    [ "$role" != master ] || [ "$previous_role" = master ] || promoted_at=$now
    # named_now: the Sentinels named this server the master in this very round. Only then does the
    # labeler take the master label from other pods: a decision kept from an earlier round may be
    # outdated by a failover (a master handing over runs as the master until it stops).
    named_now=
    case "$role" in
        slave) want=$REPLICA_ROLE ;;
        master)
            if [ "$labelled" != "$MASTER_ROLE" ] || [ $((now - last_vote)) -ge "$MASTER_RECHECK_MILLISECONDS" ] ||
                [ $((now - last_read)) -ge "$RECHECK_MILLISECONDS" ]; then
                last_vote=$now
                # shellcheck disable=SC2046 # four numbers
                set -- $(sentinel_votes "$SELF_HOST")
                if [ "$1" -ge "$4" ]; then
                    want=$MASTER_ROLE
                    named_now=yes
                elif [ "$labelled" = "$MASTER_ROLE" ] && { [ "$3" -lt "$4" ] || [ "$2" -gt 0 ]; }; then
                    # Labelled already: kept unless a majority answers and none names it (Sentinels
                    # lost, or the master briefly flagged down, take no label away).
                    want=$MASTER_ROLE
                elif promoted_by_a_sentinel "$SELF_HOST"; then
                    # Promoted by the leader of a failover, which the others follow once it ends.
                    want=$MASTER_ROLE
                    named_now=yes
                else
                    want=$NO_ROLE
                fi
            else
                want=$MASTER_ROLE
            fi
            ;;
        *) want= ;;
    esac
    if [ -z "$labelled" ] || [ $((now - last_read)) -ge "$RECHECK_MILLISECONDS" ]; then
        if labelled=$(label_of "$POD_NAME"); then
            last_read=$now
            [ "$labelled" != "$MASTER_ROLE" ] || [ -z "$named_now" ] || unlabel_other_masters
        fi
    fi
    if [ -n "$want" ] && [ -n "$labelled" ] && [ "$want" != "$labelled" ]; then
        if [ -n "$named_now" ]; then
            unlabel_other_masters
        fi
        if set_label "$POD_NAME" "$want"; then
            log "labelled $want (was $labelled)"
            labelled=$want
        fi
    fi
    # A server promoted in the last $PROMOTION_WATCH_MILLISECONDS ms and not yet labelled: the
    # Sentinels are about to name it, and the primary Service waits for its label.
    if [ "$role" = master ] && [ "$labelled" != "$MASTER_ROLE" ] && [ $((now - promoted_at)) -lt "$PROMOTION_WATCH_MILLISECONDS" ]; then
        sleep 0.2
    else
        sleep 1
    fi
done
