#!/bin/sh
# preStop hook: shut Redis down cleanly before the kubelet's SIGTERM.
#
# SHUTDOWN fsyncs the append-only file and, when save points are configured, writes a final
# RDB snapshot, then exits. Should it fail (a full disk, say), the reason is logged and the
# kubelet's SIGTERM and SIGKILL follow within terminationGracePeriodSeconds.
# Environment: REDIS_PORT, REDIS_PASSWORD_FILE.
set -u

: "${REDIS_PORT:?REDIS_PORT is not set}"
: "${REDIS_PASSWORD_FILE:?REDIS_PASSWORD_FILE is not set}"

REDISCLI_AUTH=$(cat "$REDIS_PASSWORD_FILE")
export REDISCLI_AUTH

# A Redis that does not answer PING cannot save either: leave it to SIGTERM and SIGKILL rather
# than spend the grace period waiting on it.
if ! ping=$(timeout 5 redis-cli --no-auth-warning -h 127.0.0.1 -p "$REDIS_PORT" ping 2>&1) || [ "$ping" != PONG ]; then
    echo "pre-stop: redis does not answer PING (${ping:-no reply}); skipping SHUTDOWN" >&2
    exit 1
fi

# A successful SHUTDOWN closes the connection without a reply; anything printed is an error.
reply=$(redis-cli --no-auth-warning -h 127.0.0.1 -p "$REDIS_PORT" shutdown 2>&1)
if [ -n "$reply" ]; then
    # The kubelet reports a failed hook's output in the FailedPreStopHook event.
    echo "pre-stop: SHUTDOWN refused: $reply" >&2
    exit 1
fi
exit 0
