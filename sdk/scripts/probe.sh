#!/bin/sh
# Kubernetes exec probe for the Redis container.
#
# Usage: probe.sh startup|readiness|liveness TIMEOUT_SECONDS
#
#   startup    passes once Redis answers at all, even while it loads its dataset.
#   readiness  passes only on PONG: a Redis that is loading (LOADING) takes no traffic.
#   liveness   fails only when Redis does not answer within the timeout (hung, frozen,
#              DEBUG SLEEP); LOADING and BUSY are answers from a live server.
#
# The password reaches redis-cli through REDISCLI_AUTH, never through its arguments.
# Environment: REDIS_PORT, REDIS_PASSWORD_FILE.
set -eu

kind="${1:?usage: probe.sh startup|readiness|liveness TIMEOUT_SECONDS}"
timeout_seconds="${2:?usage: probe.sh startup|readiness|liveness TIMEOUT_SECONDS}"
: "${REDIS_PORT:?REDIS_PORT is not set}"
: "${REDIS_PASSWORD_FILE:?REDIS_PASSWORD_FILE is not set}"

REDISCLI_AUTH=$(cat "$REDIS_PASSWORD_FILE")
export REDISCLI_AUTH

if ! reply=$(timeout "$timeout_seconds" redis-cli --no-auth-warning -h 127.0.0.1 -p "$REDIS_PORT" ping 2>&1); then
    echo "$kind: no answer from redis within ${timeout_seconds}s: $reply"
    exit 1
fi

case "$kind:$reply" in
    *:PONG) exit 0 ;;
    startup:LOADING* | liveness:LOADING* | liveness:BUSY*) exit 0 ;;
    startup:* | readiness:* | liveness:*)
        echo "$kind: $reply"
        exit 1
        ;;
    *)
        echo "probe.sh: unknown probe '$kind'" >&2
        exit 2
        ;;
esac
