import { PATHS, PodPaths, SENTINEL_PORT } from "../../core/constants";
import { SentinelTopology } from "../../core/settings";

/**
 * The settings every Sentinel of a deployment starts from (the ConfigMap's sentinel.conf). The
 * start script puts them after the Sentinel's saved state (the monitor line, the epochs, the
 * known replicas and Sentinels), then the pod's own host name and the password; see
 * scripts/sentinel/start.sh. It holds no secret.
 */
export function renderSentinelConf(topology: SentinelTopology, paths: PodPaths = PATHS, port: number = SENTINEL_PORT): string {
    const name = topology.masterName;
    return [
        "# sentinel.conf settings, rendered by kubernetes-redis; the state and password are added at start.",
        "bind * -::*",
        `port ${port}`,
        "protected-mode yes",
        "daemonize no",
        'logfile ""',
        `dir ${paths.sentinelDir}`,
        "",
        "# Host names, never IPs: a recreated pod keeps its name and gets a new address.",
        "sentinel resolve-hostnames yes",
        "sentinel announce-hostnames yes",
        "",
        "# Failover timing",
        `sentinel down-after-milliseconds ${name} ${topology.downAfterMilliseconds}`,
        `sentinel failover-timeout ${name} ${topology.failoverTimeoutMilliseconds}`,
        `sentinel parallel-syncs ${name} ${topology.parallelSyncs}`,
        "",
        "# No script may be set at runtime (SENTINEL SET ... notification-script).",
        "sentinel deny-scripts-reconfig yes",
        "",
    ].join("\n");
}
