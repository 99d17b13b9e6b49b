import { MemoryArgs, PersistenceArgs, RedisArgs, ResourcesArgs, SentinelArgs, ServiceArgs } from "../../api/args";

/**
 * The accepted keys of each argument object. Typed against the argument interfaces, so that an
 * argument added to the API and not here (or the reverse) fails to compile.
 */
export type Keys<T> = { [K in keyof Required<T>]: true };
export const REDIS_ARGS_KEYS: Keys<RedisArgs> = {
    mode: true,
    replicas: true,
    sentinel: true,
    podAntiAffinity: true,
    namespace: true,
    createNamespace: true,
    engine: true,
    image: true,
    cloud: true,
    persistence: true,
    resources: true,
    memory: true,
    auth: true,
    config: true,
    service: true,
    podLabels: true,
    podAnnotations: true,
    nodeSelector: true,
    priorityClassName: true,
    terminationGracePeriodSeconds: true,
};
export const PERSISTENCE_KEYS: Keys<PersistenceArgs> = {
    enabled: true,
    size: true,
    storageClassName: true,
    createStorageClass: true,
    aof: true,
    appendfsync: true,
    rdb: true,
    rdbSavePoints: true,
    whenDeleted: true,
    whenScaled: true,
    localVolumes: true,
};
export const SERVICE_KEYS: Keys<ServiceArgs> = { type: true, internal: true, annotations: true, loadBalancerSourceRanges: true };
export const MEMORY_KEYS: Keys<MemoryArgs> = { maxmemory: true, maxmemoryPercent: true };
export const RESOURCES_KEYS: Keys<ResourcesArgs> = { requests: true, limits: true };
export const RESOURCE_LIST_KEYS = { cpu: true, memory: true } as const;
export const SENTINEL_KEYS: Keys<SentinelArgs> = {
    downAfterMilliseconds: true,
    failoverTimeoutMilliseconds: true,
    parallelSyncs: true,
    quorum: true,
    minReplicasToWrite: true,
    minReplicasMaxLagSeconds: true,
    allowFewerThanThreeServers: true,
    kubectlImage: true,
};
