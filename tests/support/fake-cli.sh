#!/bin/sh
# A stand-in for redis-cli in tests of the pod scripts' decisions. It answers a command sent to
# HOST:PORT (-h HOST -p PORT COMMAND...) with the file $FAKE_CLI_REPLIES/HOST/PORT/COMMAND (the
# command's words joined by spaces), and fails as redis-cli does for a server that cannot be
# reached when there is no such file.
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
reply="$FAKE_CLI_REPLIES/$host/$port/$*"
if [ ! -f "$reply" ]; then
    echo "Could not connect to Redis at $host:$port: Connection refused" >&2
    exit 1
fi
cat "$reply"
