import { PATHS, PodPaths, REDIS_PORT } from "../../core/constants";
import { RedisMode } from "../../api/args";
import { RedisSettings, unreachable } from "../../core/settings";

/**
 * The redis.conf of a deployment. It holds no secret: the password is written by the start
 * script to a memory-backed file that this configuration includes last. Tests that run it outside
 * a container give their own paths and port.
 *
 * The same file serves both engines: every directive here is in the generated tables of Redis 7.0
 * and 8.0 and of Valkey 8.1 (tests/render checks it), so nothing depends on the engine. Each
 * engine keeps its own defaults for what is not set here (Valkey 8.1 frees memory lazily by
 * default, for instance); the README lists the differences that matter.
 */
export function renderRedisConf(settings: RedisSettings, paths: PodPaths = PATHS, port: number = REDIS_PORT): string {
    const { persistence } = settings;
    const lines: string[] = [
        `# redis.conf for ${settings.namespace}/${settings.name}, rendered by kubernetes-redis.`,
        "# Change the component's arguments rather than this file.",
        "",
        "# Network: every pod interface; the password is required on all of them.",
        "bind * -::*",
        `port ${port}`,
        "protected-mode yes",
        "tcp-keepalive 60",
        "timeout 0",
        "",
        "# Process: foreground, logging to stdout for the container runtime.",
        "daemonize no",
        "supervised no",
        'logfile ""',
        "",
        "# Persistence",
        `dir ${paths.dataDir}`,
        `appendonly ${persistence.aof ? "yes" : "no"}`,
        `appendfsync ${persistence.appendfsync}`,
        "aof-use-rdb-preamble yes",
        persistence.rdb ? `save ${persistence.rdbSavePoints}` : `save ""`,
        "dbfilename dump.rdb",
        // A failed background save must stop writes: acknowledging writes that cannot be
        // persisted is how data is lost silently.
        `stop-writes-on-bgsave-error ${persistence.rdb ? "yes" : "no"}`,
        "",
        "# Stopping: the kubelet's SIGTERM reaches the server (PID 1), which fsyncs the AOF, writes",
        "# the final RDB snapshot when save points are set, and exits. The snapshot keeps dump.rdb as",
        "# new as the data, so that turning AOF off later loses nothing. When the save fails (a full",
        "# disk), Redis logs why and runs on until the kubelet's SIGKILL; the disk then holds what the",
        "# AOF had written, or without AOF the last good snapshot. No preStop hook is needed.",
        "shutdown-on-sigterm default",
        "",
        "# Memory: below the container limit, leaving room for the persistence fork's copy-on-write.",
        `maxmemory ${settings.memory.maxmemoryBytes}`,
        ...("maxmemory-clients" in settings.config ? [] : [`maxmemory-clients ${settings.memory.maxmemoryClientsBytes}`]),
        "",
    ];
    lines.push(...replicationLines(settings, paths));
    lines.push("# From the component's config argument");
    for (const [directive, value] of Object.entries(settings.config)) {
        lines.push(`${directive} ${value}`);
    }
    lines.push(
        "",
        "# AUTH, written at start from the mounted Secret. Last, so that nothing overrides it.",
        `include ${paths.authConf}`,
        "",
    );
    return lines.join("\n");
}

/** What the topology adds: nothing for one server; for replication, the rules of the master and its replicas. */
function replicationLines(settings: RedisSettings, paths: PodPaths): string[] {
    const topology = settings.topology;
    switch (topology.kind) {
        case RedisMode.Standalone:
            return [];
        case RedisMode.Sentinel:
            return [
                "# Replication. Whether this server starts as the master or as a replica, and of whom, is",
                "# decided at start and written to the file included here; Sentinel changes it at runtime.",
                "# A master refuses writes when fewer replicas than min-replicas-to-write acknowledged the",
                "# stream within min-replicas-max-lag seconds: a master cut off from its replicas stops taking",
                "# writes that a failover would discard.",
                `min-replicas-to-write ${topology.minReplicasToWrite}`,
                `min-replicas-max-lag ${topology.minReplicasMaxLagSeconds}`,
                "replica-read-only yes",
                "replica-serve-stale-data yes",
                "# A server that must synchronise in full (restarted, or new) waits 1 s, not 5, for others",
                "# to share the transfer; it starts at once when every other server waits (a full restart).",
                "repl-diskless-sync-delay 1",
                `repl-diskless-sync-max-replicas ${topology.servers - 1}`,
                `include ${paths.roleConf}`,
                "",
            ];
        case RedisMode.Cluster:
            throw new Error("mode cluster has no redis.conf yet");
        default:
            return unreachable(topology);
    }
}
