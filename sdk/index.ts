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
    RedisArgs,
    RedisMode,
    ResourceListArgs,
    ResourcesArgs,
    ServiceArgs,
    ServiceType,
    VolumeRetention,
} from "./api/args";
export { RedisConnection } from "./api/outputs";
export { RedisArgumentError } from "./api/errors";
