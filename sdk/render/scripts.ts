import * as fs from "fs";
import * as path from "path";
import { PATHS, PodPaths, PodScript, REDIS_PORT, SCRIPTS, SENTINEL_PORT } from "../core/constants";
import { podHost, ResourceNames, serviceDomain } from "../core/names";
import { RedisMode } from "../api/args";
import { EngineSettings, RedisSettings, SentinelTopology, unreachable } from "../core/settings";

/**
 * The shell scripts the pod runs, read from `scripts/<role>/<file>` and keyed `<role>-<file>`.
 * They are shipped in the ConfigMap next to redis.conf; the build copies the role folders next to
 * the compiled module.
 */
export function podScripts(settings: RedisSettings): Record<string, string> {
    const directory = path.join(__dirname, "..", "scripts");
    const scripts: Record<string, string> = {};
    for (const script of scriptsOf(settings)) {
        scripts[script.key] = fs.readFileSync(path.join(directory, script.role, script.file), "utf8");
    }
    return scripts;
}

/** The scripts a topology's pods run. */
export function scriptsOf(settings: RedisSettings): PodScript[] {
    const topology = settings.topology;
    switch (topology.kind) {
        case RedisMode.Standalone:
            return [SCRIPTS.common, SCRIPTS.serverStart, SCRIPTS.serverProbe];
        case RedisMode.Sentinel:
            return Object.values(SCRIPTS);
        case RedisMode.Cluster:
            throw new Error("mode cluster has no scripts yet");
        default:
            return unreachable(topology);
    }
}

/** The path of a script inside the container, where the scripts sit flat under their keys. */
export function scriptPath(script: PodScript, paths: PodPaths = PATHS): string {
    return `${paths.scriptsDir}/${script.key}`;
}

/**
 * The environment through which the scripts learn the facts defined in constants.ts and the
 * settings: the engine's binaries (ENGINE_SERVER, ENGINE_CLI), the port and the paths. Tests that
 * run the scripts outside a container give their own paths and port.
 */
export function scriptEnv(
    engine: Pick<EngineSettings, "serverBinary" | "cliBinary">,
    paths: PodPaths = PATHS,
    port: number = REDIS_PORT,
): { name: string; value: string }[] {
    return [
        { name: "ENGINE_SERVER", value: engine.serverBinary },
        { name: "ENGINE_CLI", value: engine.cliBinary },
        { name: "REDIS_PORT", value: String(port) },
        { name: "REDIS_CONF", value: paths.configFile },
        { name: "REDIS_PASSWORD_FILE", value: paths.passwordFile },
        { name: "REDIS_AUTH_CONF", value: paths.authConf },
        { name: "REDIS_DATA_DIR", value: paths.dataDir },
    ];
}

/**
 * How long the fence (fence.sh) lets a master stay silent before it detaches its replica: half of
 * down-after, raised towards 1 s as far as it stays 500 ms short of down-after. The fence must act
 * before any Sentinel can find the master down: a Sentinel counts down-after from the first PING
 * left unanswered, the fence from the last one answered, and acts within about 100 ms of its
 * delay; 500 ms cover that and a fork on a loaded node. It must not act on a master that is merely
 * slow:
 * half of 1500 ms, 750 ms, detached a replica from a healthy master right after a handover on the
 * loaded test machine (its new master was silent for 952 ms), which then refused writes for want
 * of a replica. At 1 s, it detached none in 10 benchmarked handovers.
 */
export function fenceAfterMilliseconds(downAfterMilliseconds: number): number {
    return Math.max(Math.floor(downAfterMilliseconds / 2), Math.min(1000, downAfterMilliseconds - 500));
}

/** An environment variable, with a literal value or one the kubelet fills in. */
export type EnvVar = { name: string; value: string } | { name: string; valueFrom: { fieldRef: { fieldPath: string } } };

/** Where a deployment's pods are, for the scripts of mode sentinel. */
export interface PeerDirectory {
    names: ResourceNames;
    namespace: string;
}

/**
 * The environment of mode sentinel's scripts, on top of `scriptEnv`: who the peers are, what the
 * master is called, and the timings of the role decision and the handover, derived from the
 * Sentinel timers:
 * - LONELY_SECONDS: a server that the Sentinels still name the master starts as the master with
 *   its own data when no other server answered for three down-after periods (and 2 s): nobody
 *   holds newer data that it could wipe.
 * - FAILOVER_WAIT_SECONDS: how long a failover is waited for, at start and before a planned stop:
 *   two down-after periods and one failover-timeout.
 * - SENTINEL_INFO_PERIOD_MILLISECONDS: how often each Sentinel reads INFO from the servers: at
 *   most a second and at most half of down-after, so that the offsets it promotes by were read
 *   after the master stopped (probe.sh).
 * - SENTINEL_PUBLISH_PERIOD_MILLISECONDS: how often each Sentinel tells the others its view (500
 *   ms instead of 2 s): the other Sentinels name a new master sooner after a failover.
 * - SENTINEL_TILT_PERIOD_MILLISECONDS: how long a Sentinel's TILT mode lasts: two down-after
 *   periods, at least 5 s, instead of Sentinel's 30 s (probe.sh).
 * - SENTINEL_LINK_RECONNECT_MILLISECONDS: how long a Sentinel keeps a connection to a server or
 *   another Sentinel that does not answer before it drops it and connects again: one down-after
 *   period instead of Sentinel's 15 s (probe.sh).
 * - SYNC_WAIT_SECONDS: how long a master that is stopping lets a replica finish its full
 *   synchronisation before it hands over (pre-stop.sh): what the grace period leaves after the
 *   failover wait, the catch-up and 5 s, at most 15 s.
 * - CATCH_UP_SECONDS: how long a master handing over, its writes paused, waits for the replicas to
 *   apply every write.
 * - HANDOVER_PAUSE_MILLISECONDS: a master handing over keeps writes paused until it has stopped;
 *   the pause lapses with the grace period at the latest.
 * - FENCE_AFTER_MILLISECONDS: a replica detaches from a master that has not answered for that long,
 *   before any Sentinel can find it down and promote another server (fence.sh; see
 *   `fenceAfterMilliseconds`).
 * - FENCE_CHECK_MILLISECONDS: how often the fence asks.
 */
export function sentinelScriptEnv(
    topology: SentinelTopology,
    peers: PeerDirectory,
    terminationGracePeriodSeconds: number,
    paths: PodPaths = PATHS,
    sentinelPort: number = SENTINEL_PORT,
): EnvVar[] {
    const hosts = Array.from({ length: topology.servers }, (_, ordinal) => podHost(peers.names, ordinal, peers.namespace));
    const failoverWaitSeconds = Math.ceil((2 * topology.downAfterMilliseconds + topology.failoverTimeoutMilliseconds) / 1000);
    const catchUpSeconds = 2;
    // What the grace period leaves after the rest of a handover, and a margin, up to 15 s.
    const syncWaitSeconds = Math.max(0, Math.min(15, terminationGracePeriodSeconds - failoverWaitSeconds - catchUpSeconds - 5));
    return [
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "POD_SERVICE_DOMAIN", value: serviceDomain(peers.namespace) },
        { name: "PEER_HOSTS", value: hosts.join(" ") },
        { name: "MASTER_NAME", value: topology.masterName },
        { name: "SENTINEL_PORT", value: String(sentinelPort) },
        { name: "SENTINEL_QUORUM", value: String(topology.quorum) },
        { name: "SENTINEL_TEMPLATE", value: paths.sentinelTemplate },
        { name: "SENTINEL_DIR", value: paths.sentinelDir },
        { name: "REDIS_ROLE_CONF", value: paths.roleConf },
        { name: "LONELY_SECONDS", value: String(Math.ceil((3 * topology.downAfterMilliseconds) / 1000) + 2) },
        { name: "FAILOVER_WAIT_SECONDS", value: String(failoverWaitSeconds) },
        { name: "SYNC_WAIT_SECONDS", value: String(syncWaitSeconds) },
        { name: "CATCH_UP_SECONDS", value: String(catchUpSeconds) },
        {
            name: "SENTINEL_INFO_PERIOD_MILLISECONDS",
            value: String(Math.min(1000, Math.floor(topology.downAfterMilliseconds / 2))),
        },
        { name: "SENTINEL_PUBLISH_PERIOD_MILLISECONDS", value: "500" },
        { name: "SENTINEL_TILT_PERIOD_MILLISECONDS", value: String(Math.max(5000, 2 * topology.downAfterMilliseconds)) },
        { name: "SENTINEL_LINK_RECONNECT_MILLISECONDS", value: String(topology.downAfterMilliseconds) },
        { name: "HANDOVER_PAUSE_MILLISECONDS", value: String(terminationGracePeriodSeconds * 1000) },
        { name: "FENCE_AFTER_MILLISECONDS", value: String(fenceAfterMilliseconds(topology.downAfterMilliseconds)) },
        { name: "FENCE_CHECK_MILLISECONDS", value: "200" },
    ];
}
