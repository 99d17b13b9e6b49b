#!/bin/sh
# A stand-in for redis-cli in tests of the pod scripts' decisions. It answers a command sent to
# HOST:PORT (-h HOST -p PORT COMMAND...) with the file $FAKE_CLI_REPLIES/HOST/PORT/COMMAND (the
# command's words joined by spaces), and fails as redis-cli does for a server that cannot be
# reached when there is no such file. With FAKE_CLI_LOG set, it also appends "HOST PORT COMMAND" to
# that file, for each command it is sent. The replies are files so that a test can tell each
# server's answers apart; see below for the one command that changes them.
set -eu
: "${FAKE_CLI_REPLIES:?FAKE_CLI_REPLIES is not set}"
host=
port=
while [ $# -gt 0 ]; do
    case "$1" in
        --no-auth-warning) shift ;;
        -h)
            host=$2
            shift 2
            ;;
        -p)
            port=$2
            shift 2
            ;;
        *) break ;;
    esac
done
if [ -n "${FAKE_CLI_LOG:-}" ]; then
    printf '%s %s %s\n' "$host" "$port" "$*" >> "$FAKE_CLI_LOG"
fi
reply="$FAKE_CLI_REPLIES/$host/$port/$*"
if [ ! -f "$reply" ]; then
    echo "Could not connect to Redis at $host:$port: Connection refused" >&2
    exit 1
fi
# A server keeps what it is set to: CONFIG SET NAME VALUE, when answered, changes what CONFIG GET
# NAME answers next.
if [ $# -eq 4 ] && [ "$1 $2" = "config set" ]; then
    printf '%s\n%s\n' "$3" "$4" > "$FAKE_CLI_REPLIES/$host/$port/config get $3"
fi
# A reply may hold ages that grow as a real server's do: @since:EPOCH_MS@ reads as the milliseconds
# since EPOCH_MS.
awk -v now="$(date +%s%3N)" '{
    while (match($0, /@since:[0-9]+@/)) $0 = substr($0, 1, RSTART - 1) (now - substr($0, RSTART + 7, RLENGTH - 8)) substr($0, RSTART + RLENGTH)
    print
}' "$reply"
