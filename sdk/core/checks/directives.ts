import { isSecretName } from "../../api/errors";
import { ArgumentChecker } from "./checker";
import { DEFAULT_ENGINE, DirectiveTable, EngineVersion, tableKey } from "./directive-table";
import { DIRECTIVE_TABLES } from "./directives/index";

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
    primaryauth: "use auth.password or auth.existingSecret",
    primaryuser: "use auth.password or auth.existingSecret",
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
    "min-replicas-to-write": "use sentinel.minReplicasToWrite",
    "min-slaves-to-write": "use sentinel.minReplicasToWrite",
    "min-replicas-max-lag": "use sentinel.minReplicasMaxLagSeconds",
    "min-slaves-max-lag": "use sentinel.minReplicasMaxLagSeconds",
    "replica-announce-ip": "each pod announces its own stable host name",
    "slave-announce-ip": "each pod announces its own stable host name",
    "replica-announce-port": "each pod announces its own stable host name and the fixed port",
    "slave-announce-port": "each pod announces its own stable host name and the fixed port",
    "replica-priority": "a server's eligibility for promotion is decided at start (an empty server is never promoted)",
    "slave-priority": "a server's eligibility for promotion is decided at start (an empty server is never promoted)",
    "replica-read-only": "a writable replica would accept writes that its next resynchronisation discards",
    "slave-read-only": "a writable replica would accept writes that its next resynchronisation discards",
    "cluster-enabled": "use mode",
    "shutdown-on-sigterm": "a pod stops on SIGTERM, which must save the dataset and fsync the AOF; nothing may skip that",
};

/**
 * Directives that break the package's own machinery or run arbitrary code, with why. They are
 * refused whatever their value.
 */
export const REFUSED_DIRECTIVES: Record<string, { problem: string; fix: string }> = {
    "rename-command": {
        problem:
            "would break the package's own machinery: the probes send PING and INFO, a clean stop sends SHUTDOWN, and the tools use AUTH and CONFIG, all under their own names (renaming any command also breaks clients and replicas that expect it)",
        fix: "remove it; the password (auth) and NetworkPolicies restrict who can send commands",
    },
    loadmodule: {
        problem:
            "loads native code into the server from a path in the pod, with the server's privileges; this package neither ships nor mounts modules, so the pod would crash-loop or run code nobody reviewed",
        fix: "remove it; modules are not supported in this version",
    },
};

/**
 * Directives whose value "yes" opens a command to every client, with why. "local" (only from
 * inside the pod, as with `kubectl exec`) and "no" are accepted.
 */
export const PROTECTED_COMMAND_DIRECTIVES: Record<string, string> = {
    "enable-debug-command": "lets any client crash the server (DEBUG SEGFAULT), stall it (DEBUG SLEEP) or reload its data",
    "enable-protected-configs":
        "lets any client CONFIG SET protected parameters such as dir and dbfilename: the classic way to write files anywhere the server can, and to move the data off its volume",
    "enable-module-command": "lets any client MODULE LOAD native code from a path in the pod, with the server's privileges",
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

/** What checkConfig needs beyond the directives themselves. */
export interface ConfigCheckOptions {
    /** The engine and version the directives are for. Defaults to the default image's (redis 8.0.2). */
    engine?: EngineVersion;
    /** The resolved memory: with it, a `maxmemory-clients` override is checked against the headroom. */
    memory?: { limitBytes: number; maxmemoryBytes: number };
}

/**
 * The directive table of an engine version: the one generated for its major.minor, else the
 * newest older one of the same engine (a patch or minor upgrade mostly adds directives), else the
 * oldest one of the engine.
 */
export function directiveTableFor(target: EngineVersion = DEFAULT_ENGINE): DirectiveTable {
    const exact = DIRECTIVE_TABLES[tableKey(target)];
    if (exact) {
        return exact;
    }
    const order = (version: string) => version.split(".").map(Number);
    const older = (a: string, b: string) => {
        const [x, y] = [order(a), order(b)];
        return x[0] < y[0] || (x[0] === y[0] && x[1] <= y[1]);
    };
    const tables = Object.values(DIRECTIVE_TABLES)
        .filter((table) => table.engine === target.engine)
        .sort((a, b) => (older(a.version, b.version) ? -1 : 1));
    if (tables.length === 0) {
        throw new Error(`no directive table for ${target.engine}: run npm run directives:generate`);
    }
    return [...tables].reverse().find((table) => older(table.version, target.version)) ?? tables[0];
}

/** Whether the table knows the name as a directive of the configuration file. */
function isKnown(table: DirectiveTable, name: string): boolean {
    return table.parameters.includes(name) || table.fileOnly.includes(name);
}

/**
 * Whether an error may print the value of `config[name]`: only for a known directive that cannot
 * carry a secret. An unknown name may be a misspelt `requirepass`; rename-command's new names
 * and loadmodule's arguments are secrets in some setups.
 */
export function configValueMayBeSecret(name: string, table: DirectiveTable = directiveTableFor()): boolean {
    const lower = name.toLowerCase();
    return (
        !/^[a-z][a-z0-9_-]*$/.test(lower) ||
        !(isKnown(table, lower) || table.hidden.includes(lower) || table.ignored.includes(lower)) ||
        isSecretName(lower) ||
        Object.hasOwn(REFUSED_DIRECTIVES, lower) ||
        lower.startsWith("sentinel")
    );
}

/**
 * Validates the user's extra directives against the directive table of the engine version, and
 * defaults `maxmemory-policy`: `noeviction` for a durable store (writes fail loudly when memory
 * is full instead of silently dropping data), `allkeys-lru` for a cache. No error prints a value
 * that may be a secret.
 */
export function checkConfig(
    check: ArgumentChecker,
    config: unknown,
    persistent: boolean,
    options: ConfigCheckOptions = {},
): Record<string, string> {
    if (config === undefined) {
        config = {};
    }
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        check.fail(
            "config",
            config,
            "is not a map",
            'use an object of directive names to values, such as {"maxmemory-policy": "allkeys-lru"}',
            { secret: true },
        );
    }
    const table = directiveTableFor(options.engine);
    const engine = `${table.engine} ${table.version}`;
    const result: Record<string, string> = {};
    for (const [rawName, value] of Object.entries(config)) {
        const path = `config["${rawName}"]`;
        const secret = { secret: configValueMayBeSecret(rawName, table) };
        const fail: (problem: string, fix: string) => never = (problem, fix) => check.fail(path, value, problem, fix, secret);
        if (!/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(rawName)) {
            fail("is not a redis.conf directive name", 'use a directive such as "maxmemory-policy"');
        }
        const name = rawName.toLowerCase();
        if (Object.hasOwn(MANAGED_DIRECTIVES, name)) {
            fail("is managed by the component", MANAGED_DIRECTIVES[name]);
        }
        if (name.startsWith("cluster-") || name.startsWith("tls-") || name.startsWith("sentinel")) {
            fail("is managed by the component", "use mode; TLS is not available in this version");
        }
        if (Object.hasOwn(REFUSED_DIRECTIVES, name)) {
            fail(REFUSED_DIRECTIVES[name].problem, REFUSED_DIRECTIVES[name].fix);
        }
        if (table.ignored.includes(name)) {
            fail(`is deprecated: ${engine} accepts it and ignores it`, "remove it");
        }
        if (table.hidden.includes(name)) {
            fail(
                `is a hidden test and debug parameter of ${engine} (it can stall loading and saving)`,
                "remove it; it is not for production",
            );
        }
        if (!isKnown(table, name)) {
            fail(`is not a directive of ${engine}, and Redis would refuse to start`, suggestion(table, name));
        }
        if (typeof value !== "string" || /[\r\n\0]/.test(value)) {
            fail("is not a single-line string", "quote the value and keep it on one line");
        }
        if (Object.hasOwn(result, name)) {
            fail(`repeats the directive "${name}"`, "give each directive once");
        }
        if (Object.hasOwn(PROTECTED_COMMAND_DIRECTIVES, name)) {
            const setting = value.trim().toLowerCase();
            if (setting === "yes") {
                fail(PROTECTED_COMMAND_DIRECTIVES[name], 'use "local" to allow it from inside the pod only (kubectl exec), or "no"');
            }
            if (setting !== "no" && setting !== "local") {
                fail("is not accepted", 'use "no", or "local" to allow it from inside the pod only');
            }
        }
        if (name === "maxmemory-policy" && !EVICTION_POLICIES.includes(value)) {
            fail("is not an eviction policy", `use one of: ${EVICTION_POLICIES.join(", ")}`);
        }
        if (name === "maxmemory-clients") {
            checkMaxmemoryClients(check, path, value, options.memory);
        }
        result[name] = value;
    }
    if (!("maxmemory-policy" in result)) {
        result["maxmemory-policy"] = persistent ? "noeviction" : "allkeys-lru";
    }
    return result;
}

const MEMORY_UNITS: Record<string, number> = { "": 1, b: 1, k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };

/**
 * An override of `maxmemory-clients`, in Redis' own syntax: bytes with an optional unit
 * ("64mb") or a percentage of maxmemory ("5%"). It must bound the client buffers (not 0, which
 * lifts the bound), leave clients at least 1MB, and fit in the headroom between maxmemory and the
 * container limit, or buffers could push the container over its limit.
 */
function checkMaxmemoryClients(check: ArgumentChecker, path: string, value: string, memory: ConfigCheckOptions["memory"]): void {
    const text = value.trim().toLowerCase();
    const percent = /^([0-9]+)%$/.exec(text);
    const absolute = /^([0-9]+)(b|k|kb|m|mb|g|gb)?$/.exec(text);
    const hint = 'use bytes with an optional unit, such as "64mb", or a share of maxmemory, such as "5%"';
    if (!percent && !absolute) {
        check.fail(path, value, "is not a memory size", hint);
    }
    const bytes = percent
        ? memory === undefined
            ? undefined
            : Math.floor((memory.maxmemoryBytes * Number(percent[1])) / 100)
        : Number(absolute![1]) * MEMORY_UNITS[absolute![2] ?? ""];
    if ((percent && Number(percent[1]) === 0) || bytes === 0) {
        check.fail(path, value, "lifts the bound on client buffers, which can then push the container over its memory limit", hint);
    }
    if (percent && Number(percent[1]) > 100) {
        check.fail(path, value, "is more than maxmemory", 'use a share from "1%" to the headroom');
    }
    if (bytes !== undefined && bytes < 2 ** 20) {
        check.fail(path, value, "would disconnect ordinary clients", 'use at least "1mb"');
    }
    if (bytes !== undefined && memory !== undefined && bytes > memory.limitBytes - memory.maxmemoryBytes) {
        const headroom = Math.floor((memory.limitBytes - memory.maxmemoryBytes) / 2 ** 20);
        check.fail(
            path,
            value,
            `is more than the ${headroom}mb of headroom between maxmemory and the container memory limit`,
            `use at most "${headroom}mb", or raise resources.limits.memory`,
        );
    }
}

/** "did you mean ...?" with the closest known directive, or where to find the names. */
function suggestion(table: DirectiveTable, name: string): string {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of [...table.parameters, ...table.fileOnly]) {
        const distance = editDistance(name, candidate);
        if (distance < bestDistance) {
            [best, bestDistance] = [candidate, distance];
        }
    }
    if (best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4))) {
        const note = Object.hasOwn(MANAGED_DIRECTIVES, best) ? MANAGED_DIRECTIVES[best] : REFUSED_DIRECTIVES[best]?.fix;
        return `did you mean ${best}?${note ? ` (managed by the component: ${note})` : ""}`;
    }
    return `use a directive that CONFIG GET * lists on ${table.engine} ${table.version}`;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent transpositions. */
export function editDistance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) {
        d[0][j] = j;
    }
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.length][b.length];
}
