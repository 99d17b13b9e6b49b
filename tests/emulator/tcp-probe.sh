#!/bin/bash
# kubelet's tcpSocket check: succeeds when a TCP connection to HOST PORT opens.
# Run inside the pod's network namespace (see probes.ts), so a network partition of the pod does
# not fail its probes: kubelet sits on the pod's node and still reaches it.
set -eu
exec 3<>"/dev/tcp/$1/$2"
