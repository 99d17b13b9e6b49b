import {
    AppendFsync,
    CloudPreset,
    MemoryArgs,
    PersistenceArgs,
    RedisArgs,
    RedisMode,
    ResourcesArgs,
    ServiceArgs,
    ServiceType,
    VolumeRetention,
} from "./args";
import { DEFAULT_IMAGE, PASSWORD_KEY } from "./constants";
import { checkConfig } from "./directives";
import { ResourceNames, resourceNames, STATEFULSET_NAME_MAX } from "./names";
import { CLOUD_PRESETS, LOCAL_VOLUME_STORAGE_CLASS } from "./presets";
import { formatBytes } from "./quantity";
import { ArgumentChecker } from "./validate";

/** Every decision about a deployment, validated and defaulted: the input of every renderer. */
export interface RedisSettings {
    name: string;
    namespace: string;
    createNamespace: boolean;
    mode: RedisMode;
    replicas: number;
    image: string;
    cloud?: CloudPreset;
    names: ResourceNames;
    resources: {
        requests: { cpu?: string; memory: string };
        limits: { cpu?: string; memory: string };
    };
    memory: { limitBytes: number; maxmemoryBytes: number };
    persistence: PersistenceSettings;
    auth: AuthSettings;
    /** Extra redis.conf directives, including the defaulted `maxmemory-policy`. */
    config: Record<string, string>;
    service: {
        type: ServiceType;
        annotations: Record<string, string>;
        loadBalancerSourceRanges: string[];
    };
    podLabels: Record<string, string>;
    podAnnotations: Record<string, string>;
    nodeSelector: Record<string, string>;
    priorityClassName?: string;
    terminationGracePeriodSeconds: number;
}

export interface PersistenceSettings {
    enabled: boolean;
    size: string;
    storageClassName?: string;
    aof: boolean;
    appendfsync: AppendFsync;
    rdb: boolean;
    /** Empty when RDB is off. */
    rdbSavePoints: string;
    whenDeleted: VolumeRetention;
    whenScaled: VolumeRetention;
    localVolumes?: { path: string; nodeNames: string[] };
}

export interface AuthSettings {
    /** Where the password comes from. */
    source: "generated" | "provided" | "existingSecret";
    /** The Secret that holds the password: created by the component unless it is an existing one. */
    secretName: string;
    secretKey: string;
}

export const DEFAULTS = {
    namespace: "default",
    requests: { cpu: "250m", memory: "1Gi" },
    persistenceSize: "8Gi",
    rdbSavePoints: "3600 1 300 100 60 10000",
    maxmemoryPercentDurable: 70,
    maxmemoryPercentCache: 85,
    terminationGracePeriodSeconds: 60,
} as const;

const MIN_MEMORY_LIMIT = 32 * 2 ** 20;

type Keys<T> = { [K in keyof Required<T>]: true };
const REDIS_ARGS_KEYS: Keys<RedisArgs> = {
    mode: true, replicas: true, namespace: true, createNamespace: true, image: true, cloud: true,
    persistence: true, resources: true, memory: true, auth: true, config: true, service: true,
    podLabels: true, podAnnotations: true, nodeSelector: true, priorityClassName: true,
    terminationGracePeriodSeconds: true,
};
const PERSISTENCE_KEYS: Keys<PersistenceArgs> = {
    enabled: true, size: true, storageClassName: true, aof: true, appendfsync: true, rdb: true,
    rdbSavePoints: true, whenDeleted: true, whenScaled: true, localVolumes: true,
};
const SERVICE_KEYS: Keys<ServiceArgs> = { type: true, internal: true, annotations: true, loadBalancerSourceRanges: true };
const MEMORY_KEYS: Keys<MemoryArgs> = { maxmemory: true, maxmemoryPercent: true };
const RESOURCES_KEYS: Keys<ResourcesArgs> = { requests: true, limits: true };
const RESOURCE_LIST_KEYS = { cpu: true, memory: true } as const;

/**
 * Validates the arguments of `new Redis(name, args)` and fills in every default. Pure: it throws
 * a RedisArgumentError for the first bad argument and touches nothing else.
 */
export function resolveSettings(name: string, args: RedisArgs = {}): RedisSettings {
    const check = new ArgumentChecker(name);
    // The name is also the client Service's name, which must be a DNS-1035 label.
    check.dnsLabel("name", name, STATEFULSET_NAME_MAX);
    if (!/^[a-z]/.test(name)) {
        check.fail("name", name, "does not start with a letter, as Service names must", `use a name such as "redis-${name}"`);
    }
    check.knownKeys("", args, REDIS_ARGS_KEYS);

    const mode = check.oneOf("mode", args.mode, RedisMode, RedisMode.Standalone);
    if (mode !== RedisMode.Standalone) {
        check.fail("mode", mode, "is not available in this version", `use "${RedisMode.Standalone}"`);
    }
    const replicas = check.integer("replicas", args.replicas, 1, 1, 1000);
    if (mode === RedisMode.Standalone && replicas !== 1) {
        check.fail("replicas", replicas, "makes no sense in standalone mode (one server, no replication)", "use 1, or leave it unset");
    }

    const namespace = args.namespace === undefined ? DEFAULTS.namespace : check.dnsLabel("namespace", args.namespace);
    const cloud = args.cloud === undefined ? undefined : check.oneOf("cloud", args.cloud, CloudPreset, CloudPreset.Local);
    const persistence = resolvePersistence(check, args.persistence, cloud);
    const resources = resolveResources(check, args.resources);
    const memory = resolveMemory(check, args.memory, resources.limitBytes, persistence.enabled);

    return {
        name,
        namespace,
        createNamespace: check.boolean("createNamespace", args.createNamespace, false),
        mode,
        replicas,
        image: args.image === undefined ? DEFAULT_IMAGE : check.image("image", args.image),
        cloud,
        names: resourceNames(name),
        resources: { requests: resources.requests, limits: resources.limits },
        memory,
        persistence,
        auth: resolveAuth(check, name, args),
        config: checkConfig(check, args.config, persistence.enabled),
        service: resolveService(check, args.service, cloud),
        podLabels: checkPodLabels(check, args.podLabels),
        podAnnotations: check.stringMap("podAnnotations", args.podAnnotations, "annotation"),
        nodeSelector: check.stringMap("nodeSelector", args.nodeSelector, "label"),
        priorityClassName: args.priorityClassName === undefined ? undefined : check.dnsSubdomain("priorityClassName", args.priorityClassName),
        terminationGracePeriodSeconds: check.integer(
            "terminationGracePeriodSeconds", args.terminationGracePeriodSeconds, DEFAULTS.terminationGracePeriodSeconds, 10, 3600),
    };
}

function resolvePersistence(check: ArgumentChecker, args: PersistenceArgs | undefined, cloud: CloudPreset | undefined): PersistenceSettings {
    check.knownKeys("persistence", args, PERSISTENCE_KEYS);
    const enabled = check.boolean("persistence.enabled", args?.enabled, true);
    if (!enabled) {
        const extra = Object.keys(args ?? {}).filter((key) => key !== "enabled");
        if (extra.length > 0) {
            check.fail(`persistence.${extra[0]}`, (args as Record<string, unknown>)[extra[0]],
                "has no effect with persistence.enabled = false", `remove it, or enable persistence`);
        }
    }
    const aof = enabled && check.boolean("persistence.aof", args?.aof, true);
    const rdb = enabled && check.boolean("persistence.rdb", args?.rdb, true);
    if (enabled && !aof && !rdb) {
        check.fail("persistence", { aof: false, rdb: false }, "keeps a volume that nothing writes to",
            "enable aof or rdb, or set persistence.enabled = false for a cache");
    }
    if (!aof && args?.appendfsync !== undefined) {
        check.fail("persistence.appendfsync", args.appendfsync, "has no effect with persistence.aof = false", "remove it, or enable aof");
    }
    if (!rdb && args?.rdbSavePoints !== undefined) {
        check.fail("persistence.rdbSavePoints", args.rdbSavePoints, "has no effect with persistence.rdb = false", "remove it, or enable rdb");
    }
    const rdbSavePoints = rdb ? checkSavePoints(check, args?.rdbSavePoints ?? DEFAULTS.rdbSavePoints) : "";
    const size = check.quantity("persistence.size", args?.size ?? DEFAULTS.persistenceSize).text;
    const localVolumes = args?.localVolumes === undefined ? undefined : checkLocalVolumes(check, args.localVolumes);
    const storageClassName = args?.storageClassName !== undefined
        ? check.dnsSubdomain("persistence.storageClassName", args.storageClassName)
        : localVolumes ? LOCAL_VOLUME_STORAGE_CLASS
        : cloud ? CLOUD_PRESETS[cloud].storageClassName
        : undefined;
    return {
        enabled,
        size,
        storageClassName: enabled ? storageClassName : undefined,
        aof,
        appendfsync: check.oneOf("persistence.appendfsync", args?.appendfsync, AppendFsync, AppendFsync.EverySec),
        rdb,
        rdbSavePoints,
        whenDeleted: check.oneOf("persistence.whenDeleted", args?.whenDeleted, VolumeRetention, VolumeRetention.Retain),
        whenScaled: check.oneOf("persistence.whenScaled", args?.whenScaled, VolumeRetention, VolumeRetention.Retain),
        localVolumes,
    };
}

function checkSavePoints(check: ArgumentChecker, value: unknown): string {
    const fields = typeof value === "string" ? value.trim().split(/\s+/) : [];
    const valid = fields.length >= 2 && fields.length % 2 === 0 && fields.every((field) => /^[1-9][0-9]*$/.test(field));
    if (!valid) {
        check.fail("persistence.rdbSavePoints", value, "is not a list of save points",
            'use pairs of "<seconds> <changes>" with positive whole numbers, such as "3600 1 300 100"');
    }
    return fields.join(" ");
}

function checkLocalVolumes(check: ArgumentChecker, value: PersistenceArgs["localVolumes"]): { path: string; nodeNames: string[] } {
    check.knownKeys("persistence.localVolumes", value, { path: true, nodeNames: true });
    const path = value?.path;
    if (typeof path !== "string" || !path.startsWith("/") || path.split("/").includes("..") || /[\s\0]/.test(path)) {
        check.fail("persistence.localVolumes.path", path, "is not an absolute path on the node", 'use a directory such as "/var/lib/redis-volumes"');
    }
    const nodeNames = value?.nodeNames;
    if (!Array.isArray(nodeNames) || nodeNames.length === 0) {
        check.fail("persistence.localVolumes.nodeNames", nodeNames, "names no node", "list the node(s) whose disk holds the volumes");
    }
    nodeNames.forEach((node, i) => check.dnsSubdomain(`persistence.localVolumes.nodeNames[${i}]`, node));
    return { path: path.replace(/\/+$/, "") || "/", nodeNames: [...nodeNames] };
}

function resolveResources(check: ArgumentChecker, args: ResourcesArgs | undefined) {
    check.knownKeys("resources", args, RESOURCES_KEYS);
    check.knownKeys("resources.requests", args?.requests, RESOURCE_LIST_KEYS);
    check.knownKeys("resources.limits", args?.limits, RESOURCE_LIST_KEYS);
    const cpu = (path: string, value: string | undefined) => (value === undefined ? undefined : check.quantity(path, value).text);
    const requestCpu = cpu("resources.requests.cpu", args?.requests === undefined ? DEFAULTS.requests.cpu : args.requests.cpu);
    const limitCpu = cpu("resources.limits.cpu", args?.limits?.cpu);
    const explicitRequest = args?.requests?.memory === undefined ? undefined : check.quantity("resources.requests.memory", args.requests.memory);
    const explicitLimit = args?.limits?.memory === undefined ? undefined : check.quantity("resources.limits.memory", args.limits.memory);
    const request = explicitRequest ?? explicitLimit ?? check.quantity("resources.requests.memory", DEFAULTS.requests.memory);
    const limit = explicitLimit ?? request;
    if (limit.value < request.value) {
        check.fail("resources.limits.memory", limit.text, `is below resources.requests.memory (${request.text})`, "use a limit at least as large as the request");
    }
    if (limit.value < MIN_MEMORY_LIMIT) {
        check.fail("resources.limits.memory", limit.text, "leaves Redis no room to run", `use at least ${formatBytes(MIN_MEMORY_LIMIT)}`);
    }
    if (requestCpu !== undefined && limitCpu !== undefined && check.quantity("resources.limits.cpu", limitCpu).value < check.quantity("resources.requests.cpu", requestCpu).value) {
        check.fail("resources.limits.cpu", limitCpu, `is below resources.requests.cpu (${requestCpu})`, "use a limit at least as large as the request");
    }
    return {
        requests: { cpu: requestCpu, memory: request.text },
        limits: { cpu: limitCpu, memory: limit.text },
        limitBytes: limit.value,
    };
}

function resolveMemory(check: ArgumentChecker, args: MemoryArgs | undefined, limitBytes: number, persistent: boolean) {
    check.knownKeys("memory", args, MEMORY_KEYS);
    if (args?.maxmemory !== undefined && args.maxmemoryPercent !== undefined) {
        check.fail("memory", args, "sets both maxmemory and maxmemoryPercent", "set only one of them");
    }
    const limitBytesRounded = Math.floor(limitBytes);
    if (args?.maxmemory !== undefined) {
        const maxmemory = check.quantity("memory.maxmemory", args.maxmemory);
        if (maxmemory.value >= limitBytesRounded) {
            check.fail("memory.maxmemory", args.maxmemory, `is not below the container memory limit (${formatBytes(limitBytesRounded)}), so Redis would be OOM-killed before it evicts`,
                "use a smaller value (at most about 70% of the limit with persistence on), or raise resources.limits.memory");
        }
        return { limitBytes: limitBytesRounded, maxmemoryBytes: Math.floor(maxmemory.value) };
    }
    const fallback = persistent ? DEFAULTS.maxmemoryPercentDurable : DEFAULTS.maxmemoryPercentCache;
    const percent = check.integer("memory.maxmemoryPercent", args?.maxmemoryPercent, fallback, 10, 95);
    const mebibyte = 2 ** 20;
    const maxmemoryBytes = Math.floor((limitBytesRounded * percent) / 100 / mebibyte) * mebibyte;
    return { limitBytes: limitBytesRounded, maxmemoryBytes };
}

function resolveAuth(check: ArgumentChecker, name: string, args: RedisArgs): AuthSettings {
    check.knownKeys("auth", args.auth, { password: true, existingSecret: true });
    const existing = args.auth?.existingSecret;
    if (existing !== undefined) {
        if (args.auth?.password !== undefined) {
            check.fail("auth", { password: "[secret]", existingSecret: existing }, "sets both password and existingSecret",
                "pass the password, or name the Secret that holds it, not both");
        }
        check.knownKeys("auth.existingSecret", existing, { name: true, key: true });
        const secretName = check.dnsSubdomain("auth.existingSecret.name", existing.name);
        const key = existing.key ?? PASSWORD_KEY;
        if (typeof key !== "string" || !/^[-._a-zA-Z0-9]{1,253}$/.test(key)) {
            check.fail("auth.existingSecret.key", key, "is not a valid Secret key", "use letters, digits, '-', '_' or '.'");
        }
        return { source: "existingSecret", secretName, secretKey: key };
    }
    return {
        source: args.auth?.password === undefined ? "generated" : "provided",
        secretName: resourceNames(name).secret,
        secretKey: PASSWORD_KEY,
    };
}

function checkPodLabels(check: ArgumentChecker, value: unknown): Record<string, string> {
    const labels = check.stringMap("podLabels", value, "label");
    const reserved = Object.keys(labels).find((key) => key.startsWith("app.kubernetes.io/"));
    if (reserved !== undefined) {
        check.fail(`podLabels["${reserved}"]`, labels[reserved], "is set by the component (it selects the pods)", "use a label outside app.kubernetes.io/");
    }
    return labels;
}

function resolveService(check: ArgumentChecker, args: ServiceArgs | undefined, cloud: CloudPreset | undefined): RedisSettings["service"] {
    check.knownKeys("service", args, SERVICE_KEYS);
    const type = check.oneOf("service.type", args?.type, ServiceType, ServiceType.ClusterIP);
    const internal = check.boolean("service.internal", args?.internal, true);
    const userAnnotations = check.stringMap("service.annotations", args?.annotations, "annotation");
    const ranges = args?.loadBalancerSourceRanges;
    if (ranges !== undefined && !Array.isArray(ranges)) {
        check.fail("service.loadBalancerSourceRanges", ranges, "is not a list", 'use a list of CIDRs such as ["10.0.0.0/8"]');
    }
    const sourceRanges = (ranges ?? []).map((range, i) => check.cidr(`service.loadBalancerSourceRanges[${i}]`, range));
    if (type !== ServiceType.LoadBalancer) {
        if (sourceRanges.length > 0) {
            check.fail("service.loadBalancerSourceRanges", ranges, `has no effect on a ${type} Service`, 'remove it, or set service.type = "LoadBalancer"');
        }
        return { type, annotations: userAnnotations, loadBalancerSourceRanges: [] };
    }
    if (internal && cloud === undefined) {
        check.fail("service.type", type, "would create a load balancer that may be public: no cloud preset says how to make it internal",
            'set cloud (local, aws, gcp or azure), or set service.internal = false and add your own annotations');
    }
    const presetAnnotations = internal && cloud ? CLOUD_PRESETS[cloud].internalLoadBalancerAnnotations : {};
    return { type, annotations: { ...presetAnnotations, ...userAnnotations }, loadBalancerSourceRanges: sourceRanges };
}
