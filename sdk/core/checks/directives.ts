import { ArgumentChecker } from "./checker";

/**
 * redis.conf directives the component sets itself, with the argument to use instead. Letting
 * `config` override them would break the pod (port, dir), leak or drop the password, or
 * contradict the persistence and memory settings.
 */
export const MANAGED_DIRECTIVES: Record<string, string> = {
    port: "the port is fixed at 6379; Services map it",
    bind: "Redis listens on all pod interfaces; restrict access with NetworkPolicies",
    "tls-port": "TLS is not available in this version",
    unixsocket: "the pod's probes use TCP",
    daemonize: "Redis runs in the foreground as the container's main process",
    supervised: "Redis runs in the foreground as the container's main process",
    pidfile: "Redis runs in the foreground as the container's main process",
    logfile: "logs go to stdout for the container runtime",
    include: "the password is included from the Secret; other files cannot be mounted",
    "protected-mode": "AUTH is always required",
    requirepass: "use auth.password or auth.existingSecret",
    masterauth: "use auth.password or auth.existingSecret",
    masteruser: "use auth.password or auth.existingSecret",
    user: "use auth.password or auth.existingSecret",
    aclfile: "use auth.password or auth.existingSecret",
    dir: "data lives on the persistent volume at /data",
    dbfilename: "data lives on the persistent volume at /data",
    appenddirname: "data lives on the persistent volume at /data",
    appendfilename: "data lives on the persistent volume at /data",
    appendonly: "use persistence.aof",
    appendfsync: "use persistence.appendfsync",
    save: "use persistence.rdb and persistence.rdbSavePoints",
    maxmemory: "use memory.maxmemory or memory.maxmemoryPercent",
    replicaof: "use mode",
    slaveof: "use mode",
    "cluster-enabled": "use mode",
};

export const EVICTION_POLICIES = [
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
];

/**
 * Validates the user's extra directives and defaults `maxmemory-policy`: `noeviction` for a
 * durable store (writes fail loudly when memory is full instead of silently dropping data),
 * `allkeys-lru` for a cache.
 */
export function checkConfig(check: ArgumentChecker, config: unknown, persistent: boolean): Record<string, string> {
    if (config === undefined) {
        config = {};
    }
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        check.fail(
            "config",
            config,
            "is not a map",
            'use an object of directive names to values, such as {"maxmemory-policy": "allkeys-lru"}',
        );
    }
    const result: Record<string, string> = {};
    for (const [rawName, value] of Object.entries(config)) {
        const path = `config["${rawName}"]`;
        if (!/^[a-zA-Z][a-zA-Z0-9-]*$/.test(rawName)) {
            check.fail(path, value, "is not a redis.conf directive name", 'use a directive such as "maxmemory-policy"');
        }
        const name = rawName.toLowerCase();
        if (name in MANAGED_DIRECTIVES) {
            check.fail(path, value, "is managed by the component", MANAGED_DIRECTIVES[name]);
        }
        if (name.startsWith("cluster-") || name.startsWith("tls-") || name.startsWith("sentinel")) {
            check.fail(path, value, "is managed by the component", "use mode; TLS is not available in this version");
        }
        if (typeof value !== "string" || /[\r\n\0]/.test(value)) {
            check.fail(path, value, "is not a single-line string", "quote the value and keep it on one line");
        }
        if (name in result) {
            check.fail(path, value, `repeats the directive "${name}"`, "give each directive once");
        }
        if (name === "maxmemory-policy" && !EVICTION_POLICIES.includes(value)) {
            check.fail(path, value, "is not an eviction policy", `use one of: ${EVICTION_POLICIES.join(", ")}`);
        }
        result[name] = value;
    }
    if (!("maxmemory-policy" in result)) {
        result["maxmemory-policy"] = persistent ? "noeviction" : "allkeys-lru";
    }
    return result;
}
