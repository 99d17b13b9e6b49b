export { Redis } from "./redis";
export {
    AppendFsync,
    AuthArgs,
    CloudPreset,
    ExistingSecretArgs,
    LocalVolumesArgs,
    MemoryArgs,
    PersistenceArgs,
    RedisArgs,
    RedisConnection,
    RedisMode,
    ResourceListArgs,
    ResourcesArgs,
    ServiceArgs,
    ServiceType,
    VolumeRetention,
} from "./args";
export { RedisArgumentError } from "./errors";
