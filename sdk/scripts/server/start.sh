#!/bin/sh
# Starts the server ($ENGINE_SERVER: redis-server or valkey-server) as the container's main
# process (PID 1: it receives the kubelet's SIGTERM itself, and stops cleanly on it; see
# redis.conf's shutdown-on-sigterm).
#
# The AUTH password is read from the mounted Secret and written, with mode 0600, to a
# memory-backed file that redis.conf includes last. It therefore never appears in the
# ConfigMap, on a command line, or in the environment of the server.
#
# Environment: ENGINE_SERVER, REDIS_CONF, REDIS_PASSWORD_FILE, REDIS_AUTH_CONF.
set -eu
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/lib-common.sh"

: "${ENGINE_SERVER:?ENGINE_SERVER is not set}"
: "${REDIS_CONF:?REDIS_CONF is not set}"
: "${REDIS_PASSWORD_FILE:?REDIS_PASSWORD_FILE is not set}"
: "${REDIS_AUTH_CONF:?REDIS_AUTH_CONF is not set}"
log_tag=start

check_password_file
escaped=$(quoted_password)

umask 077
tmp="$REDIS_AUTH_CONF.tmp"
printf 'requirepass "%s"\nmasterauth "%s"\n' "$escaped" "$escaped" > "$tmp"
mv "$tmp" "$REDIS_AUTH_CONF"
unset escaped

log "starting $ENGINE_SERVER with $REDIS_CONF"
exec "$ENGINE_SERVER" "$REDIS_CONF"
