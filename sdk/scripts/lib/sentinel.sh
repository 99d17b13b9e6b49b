# shellcheck shell=sh
# What the scripts of mode sentinel share: asking the Sentinels and the servers of the other pods
# who the master is. Sourced after lib-common.sh, never run:
#
#   # shellcheck source=../lib/sentinel.sh
#   . "$(dirname "$0")/lib-sentinel.sh"
#
# Every pod runs a server and a Sentinel. Peers are named by the names of their pods' own Services
# (<pod>.<namespace>.svc.cluster.local), never by a pod's IP: a recreated pod gets a new IP, while
# its Service keeps its name and its ClusterIP.
#
# Environment: ENGINE_CLI, REDIS_PORT, SENTINEL_PORT, MASTER_NAME, POD_NAME, POD_SERVICE_DOMAIN,
# PEER_HOSTS (every pod's host name, ordinal 0 first), REDISCLI_AUTH (see use_password), and
# SENTINEL_INFO_PERIOD_MILLISECONDS where set (see choose_handover_target).

: "${SENTINEL_PORT:?SENTINEL_PORT is not set}"
: "${MASTER_NAME:?MASTER_NAME is not set}"
: "${POD_NAME:?POD_NAME is not set}"
: "${POD_SERVICE_DOMAIN:?POD_SERVICE_DOMAIN is not set}"
: "${PEER_HOSTS:?PEER_HOSTS is not set}"

SELF_HOST="$POD_NAME.$POD_SERVICE_DOMAIN"
# The master of a new deployment: the first pod.
# shellcheck disable=SC2034 # for the scripts that source this file
BOOTSTRAP_HOST=${PEER_HOSTS%% *}

# ask_every PORT COMMAND...: sends COMMAND to every pod's PORT at once (a silent peer costs one
# second, not one second each) and prints "HOST<TAB>REPLY" for each answer, the reply's lines
# joined by spaces.
ask_every() {
    ask_port=$1
    shift
    ask_dir=$(mktemp -d)
    ask_index=0
    for ask_host in $PEER_HOSTS; do
        ask_index=$((ask_index + 1))
        (
            reply=$(cli_at "$ask_host" "$ask_port" 1 "$@") || exit 0
            printf '%s\t%s\n' "$ask_host" "$(printf '%s' "$reply" | tr -s '\r\n' '  ')" > "$ask_dir/$ask_index"
        ) &
    done
    wait
    cat "$ask_dir"/* 2>/dev/null || true
    rm -rf "$ask_dir"
}

# is_host NAME: NAME looks like a pod's host name (a Sentinel with no master answers nothing).
is_host() {
    case "$1" in
        "" | *[!a-z0-9.-]*) return 1 ;;
        *.*) return 0 ;;
        *) return 1 ;;
    esac
}

# sentinels_master: the master's host name that most answering Sentinels give; nothing when no
# Sentinel knows a master (a new deployment, or every Sentinel's state lost).
sentinels_master() {
    ask_every "$SENTINEL_PORT" sentinel get-master-addr-by-name "$MASTER_NAME" |
        while IFS="$(printf '\t')" read -r _ reply; do
            host=${reply%% *}
            if is_host "$host"; then printf '%s\n' "$host"; fi
        done | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }'
}

# sentinels_known_replicas: the most replicas any answering Sentinel knows of the master.
sentinels_known_replicas() {
    ask_every "$SENTINEL_PORT" sentinel master "$MASTER_NAME" |
        awk -F '\t' '{
            n = split($2, words, " ")
            for (i = 1; i < n; i++) if (words[i] == "num-slaves" && words[i + 1] + 0 > most) most = words[i + 1] + 0
        } END { print most + 0 }'
}

# servers_master: the host name of another pod whose server runs as a master, if any.
servers_master() {
    ask_every "$REDIS_PORT" info replication |
        awk -F '\t' -v self="$SELF_HOST" '$1 != self && $2 ~ /role:master/ { print $1; exit }'
}

# servers_not_following MASTER [in-sync]: one line for each other pod's server that answers and
# neither is MASTER nor replicates from it (its master_host is another). With in-sync, also each
# one that replicates from MASTER but is not in sync with it: its link is down (it is loading its
# data or connecting, as a restarted replica does for a second or more) or its full
# synchronisation is under way.
servers_not_following() {
    ask_every "$REDIS_PORT" info replication |
        awk -F '\t' -v self="$SELF_HOST" -v master="$1" -v in_sync="${2:-}" '$1 != self && $1 != master {
            n = split($2, fields, " ")
            following = 0; linked = 0; synchronising = 0
            for (i = 1; i <= n; i++) {
                if (fields[i] == "master_host:" master) following = 1
                if (fields[i] == "master_link_status:up") linked = 1
                if (fields[i] == "master_sync_in_progress:1") synchronising = 1
            }
            if (!following || (in_sync == "in-sync" && (!linked || synchronising))) print $1
        }'
}

# other_replicas: one line "HOST PRIORITY OFFSET" for each other pod whose server answers as a
# replica. PRIORITY 0: not eligible for promotion (role.sh starts every replica so). OFFSET: the
# end of the replication history its data holds (master_repl_offset), which Redis 8 restores from
# its files at start; Valkey restores it from a snapshot, but not from an append-only file (0).
other_replicas() {
    ask_every "$REDIS_PORT" info replication |
        awk -F '\t' -v self="$SELF_HOST" '$1 != self && $2 ~ /role:slave/ {
            n = split($2, fields, " ")
            priority = ""
            offset = 0
            for (i = 1; i <= n; i++) {
                split(fields[i], pair, ":")
                if (pair[1] == "slave_priority") priority = pair[2]
                if (pair[1] == "master_repl_offset") offset = pair[2]
            }
            print $1, priority, offset
        }'
}

# servers_answering: how many other pods' servers answer at all.
servers_answering() {
    ask_every "$REDIS_PORT" ping | awk -F '\t' -v self="$SELF_HOST" '$1 != self' | grep -c '' || true
}

# now_ms: the time in milliseconds.
now_ms() {
    date +%s%3N
}

# view_fresh_since SENTINEL_HOST SINCE_MS: that Sentinel has read INFO from every replica it knows
# after SINCE_MS. Its choice of the replica to promote rests on their replication offsets as of
# that INFO: read after the master stopped, they are final, and the promoted replica is the one
# with the most data.
view_fresh_since() {
    age_limit=$(($(now_ms) - $2))
    cli_at "$1" "$SENTINEL_PORT" 1 sentinel replicas "$MASTER_NAME" | tr -d '\r' |
        awk -v limit="$age_limit" '
            previous == "info-refresh" { seen++; if ($0 + 0 >= limit) stale++ }
            { previous = $0 }
            END { exit (seen > 0 && stale == 0) ? 0 : 1 }'
}

# failover_order: the Sentinels in the order request_failover asks them, another pod's first, this
# pod's own last (see there).
failover_order() {
    for sentinel_host in $PEER_HOSTS; do
        [ "$sentinel_host" = "$SELF_HOST" ] || printf '%s ' "$sentinel_host"
    done
    printf '%s\n' "$SELF_HOST"
}

# replica_view SENTINEL_HOST REPLICA_HOST: how the Sentinel at SENTINEL_HOST last saw the replica
# REPLICA_HOST: "AGE ROLE PRIORITY", the age in ms of its last INFO of that replica, and the role
# and the replica-priority that INFO reported; nothing when that Sentinel does not answer or does
# not know that replica.
replica_view() {
    cli_at "$1" "$SENTINEL_PORT" 1 sentinel replicas "$MASTER_NAME" | tr -d '\r' |
        awk -v host="$2" '
            previous == "name" { current = "" }
            previous == "ip" { current = $0 }
            current == host && previous == "info-refresh" { age = $0 }
            current == host && previous == "role-reported" { role = $0 }
            current == host && previous == "slave-priority" { priority = $0 }
            { previous = $0 }
            END { if (age != "") print age, (role == "" ? "?" : role), (priority == "" ? "?" : priority) }'
}

# handover_candidate SENTINEL_HOST PERIOD_MS: the replica a handover has the Sentinel at
# SENTINEL_HOST promote, as "HOST PRIORITY": of the replicas it reads every PERIOD_MS that it would
# promote (flags "slave" alone: not down, not being promoted; their link to the master up; read
# within two periods; a priority other than 0), one with the lowest priority (an operator's
# preference stays), and of those the one it read longest ago, whose next read comes soonest.
# Nothing when it does not answer or has none.
handover_candidate() {
    cli_at "$1" "$SENTINEL_PORT" 1 sentinel replicas "$MASTER_NAME" | tr -d '\r' |
        awk -v period="$2" -v self="$SELF_HOST" '
            function consider() {
                if (ip != "" && ip != self && flags == "slave" && link == "ok" && priority > 0 && age != "" && age <= 2 * period &&
                    (best == "" || priority < best_priority || (priority == best_priority && age > best_age))) {
                    best = ip; best_priority = priority; best_age = age
                }
                ip = ""; flags = ""; link = ""; priority = 0; age = ""
            }
            previous == "name" { consider() }
            previous == "ip" { ip = $0 }
            previous == "flags" { flags = $0 }
            previous == "master-link-status" { link = $0 }
            previous == "slave-priority" { priority = $0 + 0 }
            previous == "info-refresh" { age = $0 + 0 }
            { previous = $0 }
            END { consider(); if (best == "") exit 1; print best, best_priority }'
}

# FAILOVER_REQUEST_LEAD_MILLISECONDS: from the end of choose_handover_target until the Sentinel
# receives the request (the pause, the catch-up and the request itself: about 75 ms measured,
# unloaded).
FAILOVER_REQUEST_LEAD_MILLISECONDS=100

# choose_handover_target: run by a master that hands over, writes still flowing. It chooses the
# replica that the Sentinel request_failover asks first is to promote (handover_candidate), makes
# it that Sentinel's first choice (replica-priority HANDOVER_PRIORITY, below any other), waits
# until that Sentinel has read the new priority, and then for the moment to request the failover.
# Sets handover_target and handover_target_priority (its priority before; see
# release_handover_target), and info_phase_age: how old that Sentinel's last read of the target
# will be when the request arrives (all empty when it could not choose or tell, and did not wait).
#
# Why: the Sentinel leading a failover learns that its replica took the promotion only from the
# next INFO it reads from it; while a failover is under way it reads INFO once a second, counted
# from its last read, whatever its info-period. Its promotion takes the Sentinel three turns of
# its timer, up to 300 ms: a read due sooner comes before it, and the promotion is seen only a
# second later. Measured without timing: 262 to 977 ms from the request to +promoted-slave, while
# the clients wait. So the request is timed to arrive when the target's last read is about 600 ms
# old (the promotion is seen at the read 400 ms later), and before the Sentinel's next regular read
# of it (every info-period, SENTINEL_INFO_PERIOD_MILLISECONDS, to which 150 ms are left). Which
# replica the Sentinel promotes must be known for that: by the offsets of its last reads, it would
# be whichever it read last before the pause, and with two replicas read at their own phases, the
# latest read was rarely older than 400 ms at any moment the other's next read left free. The
# priority fixes it. It is safe because the failover is requested only once every replica holds
# every write (pre-stop.sh gives the priority back first when one lags).
choose_handover_target() {
    handover_target=
    handover_target_priority=
    info_phase_age=
    [ -n "${SENTINEL_INFO_PERIOD_MILLISECONDS:-}" ] || return 0
    phase_aim=600
    [ "$phase_aim" -le $((SENTINEL_INFO_PERIOD_MILLISECONDS - 150)) ] || phase_aim=$((SENTINEL_INFO_PERIOD_MILLISECONDS - 150))
    for sentinel_host in $(failover_order); do
        # shellcheck disable=SC2046 # a host and a number
        set -- $(handover_candidate "$sentinel_host" "$SENTINEL_INFO_PERIOD_MILLISECONDS")
        [ $# -eq 2 ] || continue
        before=$(cli_at "$1" "$REDIS_PORT" 1 config get replica-priority | tr -d '\r' | tail -n 1)
        [ -n "$before" ] && [ "$before" != 0 ] || return 0
        cli_at "$1" "$REDIS_PORT" 1 config set replica-priority "$HANDOVER_PRIORITY" > /dev/null || return 0
        handover_target=$1
        handover_target_priority=$before
        # Its next read: within an info-period, and a timer turn.
        seen_deadline=$(($(now_ms) + 2 * SENTINEL_INFO_PERIOD_MILLISECONDS + 200))
        while :; do
            # shellcheck disable=SC2046 # three words
            set -- $(replica_view "$sentinel_host" "$handover_target")
            [ $# -eq 3 ] && [ "$3" = "$HANDOVER_PRIORITY" ] && break
            [ "$(now_ms)" -lt "$seen_deadline" ] || return 0
            sleep 0.05
        done
        # The pause is timed to the age of that read, read back after each wait: a wait that ran
        # late (a loaded node), or a read seen late, costs the clients nothing while writes still
        # flow; it waits for the next read and aims again. Four steps at most.
        pause_age=$((phase_aim - FAILOVER_REQUEST_LEAD_MILLISECONDS))
        for phase_step in 1 2 3 4; do
            if [ "$1" -ge $((pause_age - 60)) ] && [ "$1" -le $((pause_age + 50)) ]; then
                # shellcheck disable=SC2034 # for pre-stop.sh
                info_phase_age=$(($1 + FAILOVER_REQUEST_LEAD_MILLISECONDS))
                return 0
            fi
            [ "$phase_step" -lt 4 ] || return 0
            if [ "$1" -lt "$pause_age" ]; then
                sleep_ms $((pause_age - $1))
            else
                # Late: until the Sentinel reads it again.
                late_age=$1
                seen_deadline=$(($(now_ms) + 2 * SENTINEL_INFO_PERIOD_MILLISECONDS + 200))
                until [ "$1" -lt "$late_age" ]; do
                    [ "$(now_ms)" -lt "$seen_deadline" ] || return 0
                    sleep 0.02
                    # shellcheck disable=SC2046 # three words
                    set -- $(replica_view "$sentinel_host" "$handover_target")
                    [ $# -eq 3 ] || return 0
                done
                continue
            fi
            # shellcheck disable=SC2046 # three words
            set -- $(replica_view "$sentinel_host" "$handover_target")
            [ $# -eq 3 ] || return 0
        done
        return 0
    done
}

# release_handover_target: gives the replica choose_handover_target chose its priority back,
# unless it changed since (its server restarted, or it stopped). A replica preferred whatever its
# offsets could otherwise be promoted with less data than another by a failover after a crash.
# Should this pod stop before it could, the chosen replica's readiness probe does the same
# (handover_choice_lapsed), and its fence at once when this server stops answering
# (drop_handover_choice).
release_handover_target() {
    [ -n "${handover_target:-}" ] || return 0
    if [ "$(cli_at "$handover_target" "$REDIS_PORT" 1 config get replica-priority | tr -d '\r' | tail -n 1)" = "$HANDOVER_PRIORITY" ]; then
        cli_at "$handover_target" "$REDIS_PORT" 1 config set replica-priority "$handover_target_priority" > /dev/null || return 1
    fi
    handover_target=
}

# request_failover SINCE_MS WAIT_SECONDS: asks one Sentinel to fail over (SENTINEL FAILOVER), once
# its view of the replicas is newer than SINCE_MS (waiting at most WAIT_SECONDS for that; 0: at
# once). Prints the reply it got. Another pod's Sentinel is asked first, this pod's own last: the
# Sentinel that leads a failover points the other replicas at the promoted one only after the
# promotion, and this pod's Sentinel stops with the pod; replicas that a stopped leader did not
# point there wait for Sentinel's own correction, a failover timeout later, while the new master
# refuses writes (min-replicas-to-write).
#
# A requested failover skips the Sentinels' election: the Sentinel takes the next epoch for itself.
# Two failovers in one epoch (two Sentinels asked, or one asked while the others elect a leader)
# can promote two different replicas, and Sentinels never reconcile two configurations of the same
# epoch: they would name different masters for good. So another Sentinel is asked only when the
# previous one surely started nothing: it did not answer PING, or it refused (no suitable replica).
# A Sentinel that answered PING but not the request may have started one: nobody else is asked.
request_failover() {
    failover_deadline=$(($(date +%s) + $2))
    for sentinel_host in $(failover_order); do
        [ "$(cli_at "$sentinel_host" "$SENTINEL_PORT" 1 ping)" = PONG ] || continue
        until [ "$2" -eq 0 ] || view_fresh_since "$sentinel_host" "$1"; do
            [ "$(date +%s)" -lt "$failover_deadline" ] || break
            sleep 0.1
        done
        failover_status=0
        reply=$(cli_at "$sentinel_host" "$SENTINEL_PORT" 2 sentinel failover "$MASTER_NAME") || failover_status=$?
        if [ "$failover_status" -eq 124 ]; then
            printf '%s: no answer within 2s\n' "$sentinel_host"
            return 0
        fi
        printf '%s: %s\n' "$sentinel_host" "$reply"
        case "$reply" in OK | *INPROG*) return 0 ;; esac
    done
    return 1
}

# server_role HOST: the role (master, slave) that a pod's server reports; nothing when it does not
# answer.
server_role() {
    cli_at "$1" "$REDIS_PORT" 1 info replication | tr -d '\r' | awk -F: '/^role:/ { print $2 }'
}

# sentinel_votes HOST: prints "SETTLED NAMED ANSWERS MAJORITY": how many Sentinels name HOST the
# master with the flags "master" only (not subjectively or objectively down, no failover in
# progress), how many name it at all, how many answered, and how many make a majority of all the
# Sentinels.
sentinel_votes() {
    # shellcheck disable=SC2086 # counting the words
    votes_total=$(set -- $PEER_HOSTS && echo $#)
    ask_every "$SENTINEL_PORT" sentinel master "$MASTER_NAME" |
        awk -F '\t' -v host="$1" -v total="$votes_total" '
            {
                answers++
                n = split($2, words, " ")
                ip = ""; flags = ""
                for (i = 1; i < n; i++) {
                    if (words[i] == "ip" && ip == "") ip = words[i + 1]
                    if (words[i] == "flags" && flags == "") flags = words[i + 1]
                }
                if (ip == host) named++
                if (ip == host && flags == "master") settled++
            }
            END { print settled + 0, named + 0, answers + 0, int(total / 2) + 1 }'
}

# promoted_hosts: one line for each replica a Sentinel is promoting (the flag "promoted": the
# elected leader of a failover in progress, after it sent REPLICAOF NO ONE).
promoted_hosts() {
    ask_every "$SENTINEL_PORT" sentinel replicas "$MASTER_NAME" |
        awk -F '\t' '
            {
                n = split($2, words, " ")
                ip = ""
                for (i = 1; i < n; i++) {
                    if (words[i] == "ip") ip = words[i + 1]
                    if (words[i] == "flags" && words[i + 1] ~ /(^|,)promoted(,|$)/) print ip
                }
            }' | sort -u
}

# promoted_by_a_sentinel HOST: a Sentinel is promoting HOST (see promoted_hosts).
promoted_by_a_sentinel() {
    promoted_hosts | grep -qxF "$1"
}

# majority_master [others]: the master that a majority of all the Sentinels name, in the newest
# configuration any of them holds: a server named only in an older one is none (a moment after a
# failover, the Sentinels that have not heard of it yet still name the old master, which may be
# running again). Nothing when no server qualifies. With "others", only the Sentinels of the
# other pods count, towards a majority of all the Sentinels still: not every other one need
# agree, since several Sentinels can miss the new master's name at once (see outvoted_by), and
# each must be repaired while the others are still stuck.
majority_master() {
    # shellcheck disable=SC2086 # counting the words
    total=$(set -- $PEER_HOSTS && echo $#)
    ask_every "$SENTINEL_PORT" sentinel master "$MASTER_NAME" |
        awk -F '\t' -v self="$SELF_HOST" -v others="${1:-}" -v total="$total" '
            BEGIN { newest = -1 }
            others != "" && $1 == self { next }
            {
                n = split($2, words, " ")
                ip = ""; epoch = ""
                for (i = 1; i < n; i++) {
                    if (words[i] == "ip" && ip == "") ip = words[i + 1]
                    if (words[i] == "config-epoch" && epoch == "") epoch = words[i + 1] + 0
                }
                if (ip == "" || epoch == "") next
                named[ip]++
                if (!(ip in latest) || epoch > latest[ip]) latest[ip] = epoch
                if (epoch > newest) newest = epoch
            }
            END { for (host in named) if (named[host] >= int(total / 2) + 1 && latest[host] == newest) print host }'
}

# failover_abandoned SENTINEL_HOST: the Sentinel at SENTINEL_HOST, which this pod asked to fail its
# server over, answers that it still monitors this server as the master and runs no failover of
# it: it gave the failover up (or never started it). A Sentinel that does not answer has not.
failover_abandoned() {
    cli_at "$1" "$SENTINEL_PORT" 1 sentinel master "$MASTER_NAME" | tr -d '\r' |
        awk -v self="$SELF_HOST" '
            previous == "ip" && ip == "" { ip = $0 }
            previous == "flags" && flags == "" { flags = $0 }
            { previous = $0 }
            END { exit (ip == self && flags != "" && flags !~ /failover_in_progress/) ? 0 : 1 }'
}

# DETACHED_PORT: no pod listens on port 1 (tcpmux). A server pointed at that port of a host
# (REPLICAOF HOST 1) is a replica attached to nothing: it keeps its data, its replication ID and
# offset, accepts and confirms no write, and continues without a full synchronisation from
# whichever server it is pointed at next (by the fence, or by the Sentinels).
DETACHED_PORT=1

# detach_from HOST: this pod's server becomes a replica of HOST attached to nothing (see
# DETACHED_PORT), whatever it was: a replica that stops following a silent master (fence.sh), or
# a master that has been replaced (see successor).
detach_from() {
    redis_cli 1 replicaof "$1" "$DETACHED_PORT" > /dev/null 2>&1
}

# successor: the server of another pod that has replaced this pod's, a master, as the master: a
# Sentinel is promoting it or names it, it runs as the master, and it took this server's
# replication history over (its previous replication ID, master_replid2, is this server's). Nothing
# until then, and never a server that this one took over from: after a failover, a Sentinel that
# has not heard of it yet, or one that missed the new master's name, still names the old master,
# which may run again as one (thawed, a partition healed).
#
# Why this pod's server must then stop reporting the role master at once: a Sentinel that missed
# the new master's name (see outvoted_by) still monitors this server, and while this server looks
# like a sound master to it, it reconfigures the new master as a replica of this one as soon as
# the new one has reported the role master for four of its publish periods (2 s here). The new
# master then resynchronises from this server and loses every write it took, those that WAIT
# confirmed too. A master that reports the role of a replica is no sound master to it.
successor() {
    own=$(redis_cli 1 info replication 2> /dev/null | tr -d '\r') || return 1
    case "$own" in *role:master*) ;; *) return 1 ;; esac
    own_id=$(printf '%s\n' "$own" | awk -F: '$1 == "master_replid" { print $2 }')
    [ -n "$own_id" ] || return 1
    candidates=$({
        promoted_hosts
        ask_every "$SENTINEL_PORT" sentinel get-master-addr-by-name "$MASTER_NAME" | awk -F '\t' '{ split($2, reply, " "); print reply[1] }'
    } | sort -u)
    for candidate in $candidates; do
        if ! is_host "$candidate" || [ "$candidate" = "$SELF_HOST" ]; then
            continue
        fi
        if cli_at "$candidate" "$REDIS_PORT" 1 info replication | tr -d '\r' |
            awk -F: -v id="$own_id" '$1 == "role" { role = $2 } $1 == "master_replid2" { previous = $2 }
                END { exit (role == "master" && previous == id) ? 0 : 1 }'; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    return 1
}

# outvoted_by NAMED: when this pod's Sentinel names NAMED the master, which does not run as one,
# while a majority of the Sentinels agree on another server, which does: prints that server.
#
# Sentinel does not leave that state by itself. A Sentinel takes a newer configuration from
# another's hello message by first adopting its epoch, then resolving the new master's host name;
# when the name does not resolve at that moment (a DNS outage, a lookup that times out on a loaded
# node), it keeps the old master with the new epoch, and the hellos, of that same epoch, never
# correct it again. With five Sentinels, two stuck so are too few to fail over (quorum 3) and
# stay so for good unless repaired.
outvoted_by() {
    agreed=$(majority_master others)
    [ -n "$agreed" ] && [ "$agreed" != "$1" ] || return 1
    [ "$(server_role "$agreed")" = master ] || return 1
    [ "$(server_role "$1")" != master ] || return 1
    printf '%s\n' "$agreed"
}

# forget_departed SECONDS: run by the pod's Sentinel probe. When this Sentinel knows a replica or a
# Sentinel that is down and no pod of the deployment any more (after a scale-down: Sentinel never
# forgets one by itself, and a departed Sentinel keeps counting towards the majority that a
# failover needs), it resets its view of the master (SENTINEL RESET), which it rebuilds from the
# master's INFO and the other Sentinels' hellos within seconds. Never while a failover runs.
# REDIS_PORT is the Sentinel's port here.
forget_departed() {
    departed=$(
        {
            redis_cli "$1" sentinel replicas "$MASTER_NAME"
            redis_cli "$1" sentinel sentinels "$MASTER_NAME"
        } | tr -d '\r' | awk -v peers=" $PEER_HOSTS " '
            previous == "ip" { host = $0 }
            previous == "flags" && index(peers, " " host " ") == 0 && $0 ~ /s_down/ { print host }
            { previous = $0 }'
    ) || return 0
    [ -n "$departed" ] || return 0
    master_flags=$(redis_cli "$1" sentinel master "$MASTER_NAME" | tr -d '\r' |
        awk 'previous == "flags" { print; exit } { previous = $0 }') || return 0
    [ "$master_flags" = master ] || return 0
    log "forgetting $(printf '%s' "$departed" | tr '\n' ' '), no pods of this deployment any more: sentinel reset $MASTER_NAME"
    redis_cli "$1" sentinel reset "$MASTER_NAME" > /dev/null || true
}
