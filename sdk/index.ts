export { Redis } from "./redis";
export {
    AppendFsync,
    AuthArgs,
    CloudPreset,
    Engine,
    ExistingSecretArgs,
    LocalVolumesArgs,
    MemoryArgs,
    PersistenceArgs,
    PodAntiAffinity,
    RedisArgs,
    RedisMode,
    ResourceListArgs,
    ResourcesArgs,
    SentinelArgs,
    ServiceArgs,
    ServiceType,
    VolumeRetention,
} from "./api/args";
export { RedisConnection } from "./api/outputs";
export { RedisArgumentError } from "./api/errors";
